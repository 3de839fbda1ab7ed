"""Courses and events (sign-up arrives with the courses feature)."""

from flask import Blueprint

bp = Blueprint("courses", __name__)

from . import routes  # noqa: E402,F401
