"""News, articles and webinars."""

from flask import Blueprint

bp = Blueprint("news", __name__)

from . import routes  # noqa: E402,F401
