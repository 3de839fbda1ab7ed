"""The data-protection officer's tool (/dataskydd/): requests from people, and the audit log."""

from flask import Blueprint

bp = Blueprint("dsar", __name__, url_prefix="/dataskydd")

from . import routes  # noqa: E402,F401
