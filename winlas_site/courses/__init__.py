"""Courses and events: pages, sign-up with waitlist and seminar choices, cancellation by signed
link, and the staff's participant lists."""

from flask import Blueprint

bp = Blueprint("courses", __name__)

from . import routes  # noqa: E402,F401
