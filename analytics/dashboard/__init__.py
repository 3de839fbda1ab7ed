"""The marketers' dashboard at /dashboard/: reports read from rollups, drawn as SVG and tables.

Access is decided by the app: ``init_app`` receives a ``guard`` that answers a response (login
page, 403) for anyone who may not see it, and None for marketers and admins.
"""

from flask import Blueprint, current_app

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.before_request
def guard():
    return current_app.extensions["analytics"].guard()


from . import views  # noqa: E402,F401
