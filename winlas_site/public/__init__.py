"""Start page, about, contact shell, accessibility statement and the language switch."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes  # noqa: E402,F401
