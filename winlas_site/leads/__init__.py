"""The contact page's forms: a general question, a quote request and a demo request (P1, P11)."""

from flask import Blueprint

bp = Blueprint("leads", __name__)

from . import routes  # noqa: E402,F401
