"""Accounts: login and logout, registration, password reset, lockout, last activity."""

from flask import Blueprint, current_app, g, request

bp = Blueprint("auth", __name__)


@bp.after_app_request
def no_store_for_logged_in_users(response):
    """A page rendered for a logged-in user may hold personal data: never cache it."""
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def record_last_activity():
    """Keep ``User.last_active_at`` (login and requests, at most one write per user a day).

    Cheap: a request without a session or remember-me cookie (most visitors, static files)
    returns at once, and a user already seen today costs no query beyond loading the session.
    """
    if request.endpoint == "static":
        return
    config = current_app.config
    if not (
        request.cookies.get(config["SESSION_COOKIE_NAME"])
        or request.cookies.get(config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    ):
        return
    from flask_login import current_user

    if current_user.is_authenticated:
        current_user.record_activity()


from . import routes  # noqa: E402,F401
