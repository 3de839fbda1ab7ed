"""Mitt konto (/konto/): a person sees, edits, downloads and erases their own data."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/konto")

from . import routes  # noqa: E402,F401
