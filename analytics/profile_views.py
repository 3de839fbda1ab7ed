"""Interest-profile views under /dashboard/profiler (placeholder until profiles land)."""

from flask import Blueprint, current_app

bp = Blueprint("profiles", __name__, url_prefix="/dashboard/profiler")


@bp.before_request
def guard():
    return current_app.extensions["analytics"].guard()


@bp.get("/")
def index():
    return "profiles"
