"""Dashboard views (placeholder until the dashboard lands)."""

from . import bp


@bp.get("/")
def index():
    return "dashboard"
