"""Dashboard views: /dashboard/ (the overview), /dashboard/table/<name> (one whole table) and
/dashboard/export/<name>.csv. The period and filters live in the query string, so a view can be
shared; a bad value is a 400, an unknown table a 404, and a question whose queries run past
ANALYTICS_QUERY_BUDGET_MS a 503 that offers a shorter period or fewer filters (``budget``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from .. import clock, reports
from ..csvexport import to_csv
from ..enrich import SOURCES
from ..state import current
from . import charts
from .budget import budgeted, too_heavy_page
from .data import (
    CONVERSIONS,
    EXPORT_ROWS,
    FIGURES,
    PAGE_ROWS,
    PERIODS,
    TABLES,
    Selection,
    Table,
    build_table,
    overview,
)

DEVICES = ("desktop", "mobile", "tablet")

# the templates are analytics' own, under analytics/templates/analytics/ (a name no site
# template uses); they extend the host's base.html
bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="../templates")


@bp.before_request
def guard() -> ResponseReturnValue | None:
    """Marketers and admins only: the host's guard answers everyone else (login page or 403)."""
    return current().host.guard()


@bp.after_request
def no_store(response: Response) -> Response:
    """Nothing of the dashboard is kept by a browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _selection() -> Selection:
    try:
        return Selection.from_args(request.args, clock.now().date())
    except ValueError:
        abort(400)


def country_name(code: str) -> str:
    """A country code as the reader's language names it (the code when unknown)."""
    locale = get_locale()
    return (locale.territories.get(code.upper()) if locale else None) or code


def _context(selection: Selection) -> dict[str, Any]:
    def here(clear_filters: bool = False, **changes: str) -> str:
        # this page with the selection changed: a row's filter link, a filter's removal
        params = selection.period_query() if clear_filters else selection.query(**changes)
        values: dict[str, Any] = {**(request.view_args or {}), **params}
        return url_for(request.endpoint or "", **values)

    state = current()
    return {
        # what is left out as internal traffic, for the note beside the period (a marketer must
        # know the office's own clicks are not in the figures, or that they are)
        "internal_users": state.host.internal_user is not None,
        "internal_networks": len(state.internal_networks),
        "here": here,
        "country_name": country_name,
        "selection": selection,
        "periods": PERIODS,
        "filter_names": reports.FILTERS,
        "filter_choices": {"device": DEVICES, "source": SOURCES},
        "filter_lengths": reports.MAX_FILTER_LENGTH,
        "figures": FIGURES,
        "conversion_names": CONVERSIONS,
        "charts": charts,
    }


def _too_heavy(budget: int) -> str:
    """The same period and filters were too heavy: offer shorter periods and fewer filters."""
    selection = _selection()
    shorter = [
        name
        for name in ("7d", "today")
        if reports.PERIOD_DAYS[name] < selection.period.days and name != selection.period_name
    ]
    return too_heavy_page(budget, shorter=shorter, **_context(selection))


@bp.get("/")
@budgeted(_too_heavy)
def index() -> str:
    """Key figures against the previous period, charts, and the top rows of every table."""
    selection = _selection()
    state = current()
    page = overview(selection, state.host.site_series, clock.now())
    return render_template("analytics/dashboard/index.html", page=page, **_context(selection))


def _table(name: str, rows: int) -> tuple[Selection, Table]:
    """The selection of the query string and its table ``name`` (404 for an unknown one)."""
    if name not in TABLES:
        abort(404)
    selection = _selection()
    state = current()
    return selection, build_table(name, selection, rows, state.host.site_series)


@bp.get("/table/<name>")
@budgeted(_too_heavy)
def table(name: str) -> str:
    """One table of the dashboard with all its rows (up to PAGE_ROWS)."""
    selection, found = _table(name, PAGE_ROWS)
    return render_template("analytics/dashboard/table.html", table=found, **_context(selection))


@bp.get("/export/<name>.csv")
@budgeted(_too_heavy)
def export(name: str) -> Response:
    """One table as CSV: the same period and filters, up to EXPORT_ROWS rows."""
    selection, found = _table(name, EXPORT_ROWS)
    period = selection.period
    filename = f"{name}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        to_csv([key for key, _kind in found.columns], found.csv_rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
