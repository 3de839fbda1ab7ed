"""Login and logout for customer contacts and staff."""

from flask import Blueprint, g

bp = Blueprint("auth", __name__)


@bp.after_app_request
def no_store_for_logged_in_users(response):
    """A page rendered for a logged-in user may hold personal data: never cache it."""
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


from . import routes  # noqa: E402,F401
