"""The privacy policy, the cookie policy and the sub-processor list."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from . import routes  # noqa: E402,F401
