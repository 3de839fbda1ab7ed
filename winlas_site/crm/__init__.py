"""Staff views of the CRM: leads, their contacts, status pipeline, owners and notes (P11)."""

from flask import Blueprint

bp = Blueprint("crm", __name__, url_prefix="/crm")

from . import routes  # noqa: E402,F401
