"""Views: /logga-in and /logga-ut."""

from __future__ import annotations

import datetime
import hashlib
import logging

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter, login_manager
from ..security import is_safe_redirect
from . import bp
from .forms import LoginForm
from .models import User, UserSession, normalise_email

log = logging.getLogger("winlas.auth")


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """flask-login's loader: the id in the cookie is a server-side session token."""
    config = current_app.config
    return UserSession.resume(
        token,
        idle=datetime.timedelta(minutes=config["WINLAS_SESSION_IDLE_MINUTES"]),
        absolute=datetime.timedelta(hours=config["WINLAS_SESSION_ABSOLUTE_HOURS"]),
        remember_for=datetime.timedelta(days=config["WINLAS_REMEMBER_DAYS"]),
    )


def _failed(response) -> bool:
    return response.status_code == 401


def _account_key() -> str:
    # throttles guessing against one account from many addresses; the address is hashed so the
    # limiter's storage holds no email.
    email = normalise_email(request.form.get("email", ""))[:254]
    return "login-account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _email_ref(email: str) -> str:
    # logs name an account without storing the address typed (it may be a mistyped password).
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:12]


@bp.route("/logga-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["WINLAS_LOGIN_LIMIT"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["WINLAS_LOGIN_ACCOUNT_LIMIT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    """Show the login form; on valid credentials start a fresh session."""
    next_url = request.values.get("next", "")
    if not is_safe_redirect(next_url):
        next_url = ""
    if current_user.is_authenticated:
        return redirect(next_url or url_for("customer.index"))
    form = LoginForm(next=next_url)
    status = 200
    if form.validate_on_submit():
        user = User.authenticate(form.email.data, form.password.data)
        if user is not None:
            # a new session: nothing from before the login carries over.
            session.clear()
            user.session_token = UserSession.start(user, remember=form.remember.data)
            login_user(
                user,
                remember=form.remember.data,
                duration=datetime.timedelta(days=current_app.config["WINLAS_REMEMBER_DAYS"]),
            )
            log.info("login user=%s client=%s", user.id, request.remote_addr)
            flash(_("Du är inloggad."), "success")
            return redirect(next_url or url_for("customer.index"))
        log.warning(
            "login failed account=%s client=%s", _email_ref(form.email.data), request.remote_addr
        )
        # one message for an unknown address and a wrong password.
        form.form_errors.append(_("Fel e-postadress eller lösenord."))
        status = 401
    elif request.method == "POST":
        status = 400
    # the form may come back with the address typed: keep it out of every cache.
    return render_template("auth/login.html", form=form), status, {"Cache-Control": "no-store"}


@bp.route("/logga-ut", methods=["GET", "POST"])
def logout():
    """GET asks for confirmation; POST ends the session on the server and in the browser."""
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("public.home"))
        return render_template("auth/logout.html")
    if current_user.is_authenticated:
        log.info("logout user=%s client=%s", current_user.id, request.remote_addr)
        UserSession.end(current_user.session_token)
        logout_user()
    session.clear()
    flash(_("Du är utloggad."), "success")
    return redirect(url_for("public.home"))
