"""Views: login and logout; registration, confirmation, password reset; account requests."""

from __future__ import annotations

import datetime
import hashlib
import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter, login_manager
from ..i18n import current_language
from ..security import NO_STORE, PRIVATE, is_safe_redirect, no_store
from ..spam import FRESH, REPLAYED, started_token
from ..views import SPAM, form_page, screen
from . import lockout, registration, tokens
from .decorators import role_required
from .forms import (
    ApproveForm,
    DecisionForm,
    ForgotPasswordForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
)
from .models import Organisation, User, UserSession, normalise_email
from .tasks import send_reset_link

bp = Blueprint("auth", __name__)

log = logging.getLogger("winlas.auth")

MAX_ID = 2**31 - 1


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


def _login_page(form: LoginForm, status: int):
    # the form may come back with the address typed: keep it out of every cache.
    return form_page("auth/login.html", form, status=status, headers=NO_STORE)


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
    if not form.validate_on_submit():
        return _login_page(form, 400 if request.method == "POST" else 200)
    email = form.email.data
    if lockout.is_locked(email):
        # the same for every address, registered or not: the password is not even checked.
        log.warning("login locked account=%s client=%s", _email_ref(email), request.remote_addr)
        form.form_errors.append(
            _(
                "För många misslyckade inloggningar med den här adressen. Av säkerhetsskäl är "
                "inloggningen spärrad i %(minutes)d minuter. Har du glömt lösenordet kan du "
                "återställa det under tiden.",
                minutes=lockout.minutes(),
            )
        )
        return _login_page(form, 429)
    user = User.authenticate(email, form.password.data)
    if user is None:
        log.warning("login failed account=%s client=%s", _email_ref(email), request.remote_addr)
        lockout.record_failure(email)
        # one message for an unknown address and a wrong password.
        form.form_errors.append(_("Fel e-postadress eller lösenord."))
        return _login_page(form, 401)
    lockout.clear(email)
    refusal = user.login_refusal()
    if refusal is not None:
        # only someone who knows the password gets this far: telling them why reveals nothing.
        log.info("login refused user=%s reason=%s", user.id, refusal)
        if refusal == "unconfirmed":
            registration.send_confirmation(user, current_language())
            form.form_errors.append(
                _(
                    "Du behöver bekräfta din e-postadress innan du loggar in första gången. "
                    "Vi har skickat en ny länk till din e-post."
                )
            )
        else:
            form.form_errors.append(
                _(
                    "Din ansökan om konto väntar på att vår personal godkänner den. Du får "
                    "ett mejl när kontot är öppnat."
                )
            )
        return _login_page(form, 403)
    # a new session: nothing from before the login carries over.
    session.clear()
    user.session_token = UserSession.start(user, remember=form.remember.data)
    login_user(
        user,
        remember=form.remember.data,
        duration=datetime.timedelta(days=current_app.config["WINLAS_REMEMBER_DAYS"]),
    )
    user.record_activity()
    log.info("login user=%s client=%s", user.id, request.remote_addr)
    flash(_("Du är inloggad."), "success")
    return redirect(next_url or url_for("customer.index"))


@bp.route("/logga-ut", methods=["GET", "POST"])
def logout():
    """GET asks for confirmation; only POST (with its CSRF token) ends the session.

    HEAD is answered like GET, and Flask answers OPTIONS itself: neither logs anyone out (a
    link prefetcher or scanner must not end a session).
    """
    if request.method != "POST":
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


# registration ------------------------------------------------------------------------------


@bp.route("/registrera", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["WINLAS_REGISTER_LIMIT"], methods=["POST"])
def register():
    """The registration form: with a customer number, or as a request staff approve (P3)."""
    if current_user.is_authenticated:
        return redirect(url_for("customer.index"))
    form = RegistrationForm()
    if request.method == "GET":
        form.started.data = started_token()
    if form.validate_on_submit():
        verdict = screen(form, "register")
        if verdict == SPAM:
            return render_template("auth/refused.html"), 400, PRIVATE
        if verdict == REPLAYED:  # a double click: the first sending did it all
            return redirect(url_for(".registered"), 303)
        if verdict == FRESH:
            registration.register(
                email=form.email.data,
                password=form.password.data,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                work_phone=form.work_phone.data,
                organisation_name=form.organisation.data,
                customer=form.customer,
                language=current_language(),
            )
            # the same answer whether or not the address had an account (no enumeration)
            return redirect(url_for(".registered"), 303)
    return form_page("auth/register.html", form, headers=PRIVATE)


@bp.route("/registrera/skickat")
def registered():
    """What happens next: the confirmation mail."""
    hours = tokens.confirm_max_age() // 3600
    return render_template("auth/registered.html", hours=hours)


def _bad_link(kind: str, problem: tokens.LinkProblem):
    return (
        render_template("auth/bad_link.html", kind=kind, problem=problem.value),
        400 if problem is tokens.LinkProblem.INVALID else 410,
        PRIVATE,
    )


@bp.route("/registrera/bekrafta/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button (mail scanners follow links); POST confirms the address."""
    user = tokens.read(tokens.CONFIRM, token)
    if isinstance(user, tokens.LinkProblem):
        return _bad_link("confirm", user)
    form = DecisionForm()
    if request.method == "POST" and form.validate_on_submit():
        registration.confirm(user)
        return render_template("auth/confirmed.html", user=user), 200, PRIVATE
    return form_page("auth/confirm.html", form, headers=PRIVATE, user=user)


# password reset ----------------------------------------------------------------------------


@bp.route("/glomt-losenord", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["WINLAS_PASSWORD_RESET_LIMIT"], methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # the same work for every address: one task on the queue. The lookup and the mail
        # happen there, after the answer, so timing tells nobody who has an account.
        enqueue_reset_link(form.email.data, current_language())
        return redirect(url_for(".reset_sent"), 303)
    return form_page("auth/forgot.html", form, headers=PRIVATE)


def enqueue_reset_link(email: str, language: str) -> None:
    """Hand the reset request to the queue; if the queue is away, the answer is the same."""
    try:
        send_reset_link(email, language)
    except Exception:
        # Redis down must not turn the form into an error page that only known addresses get
        # (immediate mode runs the task here: a mail problem is logged, never shown)
        log.exception("password reset request could not be queued")


@bp.route("/glomt-losenord/skickat")
def reset_sent():
    """What happens next: the reset mail, if the address has an account."""
    minutes = tokens.reset_max_age() // 60
    return render_template("auth/reset_sent.html", minutes=minutes)


@bp.route("/aterstall-losenord/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a signed, expiring, single-use link."""
    user = tokens.read(tokens.RESET, token)
    if isinstance(user, tokens.LinkProblem):
        return _bad_link("reset", user)
    if not user.active:
        return _bad_link("reset", tokens.LinkProblem.INVALID)
    form = ResetPasswordForm()
    form.account_email = user.email
    if form.validate_on_submit():
        if current_user.is_authenticated:
            # whoever is logged in here (perhaps another account) is logged out first
            UserSession.end(current_user.session_token)
            logout_user()
        registration.reset_password(user, form.password.data or "", current_language())
        session.clear()
        flash(_("Ditt lösenord är bytt. Logga in med det nya lösenordet."), "success")
        return redirect(url_for(".login"), 303)
    return form_page("auth/reset.html", form, headers=PRIVATE)


# account requests (staff) ------------------------------------------------------------------


def _pending_request(user_id: int) -> User:
    if not 0 < user_id <= MAX_ID:
        abort(404)
    user = User.pending_requests().where(User.id == user_id).first()
    if user is None:
        abort(404)
    return user


@bp.route("/konton/ansokningar")
@role_required("staff")
def requests():
    """Registration requests without a customer number, waiting for a decision."""
    pending = list(User.pending_requests())
    customers = list(Organisation.customers())
    choices = [(o.id, f"{o.name} ({o.customer_number})") for o in customers]
    forms = {}
    for user in pending:
        form = ApproveForm(formdata=None, prefix=f"r{user.id}")
        form.organisation.choices = choices
        # a suggestion only: the organisation whose name matches what the person typed, else
        # the one whose mail domains hold the address
        typed = user.requested_organisation.casefold()
        form.organisation.data = next(
            (o.id for o in customers if o.name.casefold() == typed),
            next((o.id for o in customers if o.owns_address(user.email)), None),
        )
        forms[user.id] = form
    return render_template(
        "auth/requests.html",
        pending=pending,
        forms=forms,
        has_customers=bool(customers),
    )


@bp.route("/konton/ansokningar/<int:user_id>/godkann", methods=["POST"])
@role_required("staff")
def approve(user_id: int):
    """Approve a request: link the account to a customer organisation and tell the person."""
    user = _pending_request(user_id)
    form = ApproveForm(prefix=f"r{user.id}")
    form.fill_choices()
    if not form.validate_on_submit():
        flash(_("Välj en kundorganisation för kontot."), "error")
        return redirect(url_for(".requests"), 303)
    organisation = Organisation.get_by_id(form.organisation.data)
    registration.approve(user, organisation, current_user)
    flash(_("Kontot är godkänt och personen har fått ett mejl."), "success")
    return redirect(url_for(".requests"), 303)


@bp.route("/konton/ansokningar/<int:user_id>/avsla", methods=["POST"])
@role_required("staff")
def refuse(user_id: int):
    """Refuse a request: tell the person and delete what they sent."""
    user = _pending_request(user_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    registration.refuse(user, current_user)
    flash(_("Ansökan är avslagen och uppgifterna raderade."), "success")
    return redirect(url_for(".requests"), 303)


# every request --------------------------------------------------------------------------------


@bp.after_app_request
def no_store_for_logged_in_users(response):
    """A page rendered for a logged-in user may hold personal data: never cache it."""
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        no_store(response)
    return response


@bp.before_app_request
def record_last_activity():
    """Keep ``User.last_active_at`` (login and requests, at most one write per user a day).

    Cheap: a request without a session or remember-me cookie (most visitors, static files)
    returns at once, and a user already seen today costs no query beyond loading the session.
    """
    if request.endpoint in ("static", "analytics.static"):
        return
    config = current_app.config
    if not (
        request.cookies.get(config["SESSION_COOKIE_NAME"])
        or request.cookies.get(config["REMEMBER_COOKIE_NAME"])
    ):
        return
    if current_user.is_authenticated:
        current_user.record_activity()
