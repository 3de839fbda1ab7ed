"""The campaign-to-customer report at /dashboard/kunder/ and its CSV export.

The period and filters are the dashboard's (``Selection``), plus ``dimension``: campaign,
source or landing page. The leads come from the site (``Host.site_leads``) with the touches it
keeps; a bad value is a 400. Who may read it is the host's guard, as for the dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from .. import clock
from ..csvexport import page_words, plain, request_language, to_csv
from ..dashboard.data import Selection
from ..dashboard.pages import marketers_only, selection_context
from ..state import current
from .report import DEFAULT_DIMENSION, DIMENSIONS, MODELS, Report, build, csv_columns
from .touches import LOOKBACK_DAYS

bp = marketers_only(
    Blueprint(
        "attribution", __name__, url_prefix="/dashboard/kunder", template_folder="../templates"
    )
)


def _selection() -> tuple[Selection, str]:
    dimension = request.args.get("dimension", "") or DEFAULT_DIMENSION
    if dimension not in DIMENSIONS:
        abort(400)
    try:
        return Selection.from_args(request.args, clock.now().date()), dimension
    except ValueError:
        abort(400)


def _context(selection: Selection, dimension: str) -> dict[str, Any]:
    def here(clear_filters: bool = False, **changes: str) -> str:
        # this page with the period, a filter or the dimension changed (the dashboard's partial
        # calls it for its period links and filter chips)
        chosen = changes.pop("dimension", dimension)
        params: dict[str, Any] = (
            selection.period_query() if clear_filters else selection.query(**changes)
        )
        if chosen != DEFAULT_DIMENSION:
            params["dimension"] = chosen
        return url_for("attribution.index", **params)

    page_query = selection.query()
    if dimension != DEFAULT_DIMENSION:
        page_query["dimension"] = dimension
    return {
        **selection_context(selection, here),
        "page_query": page_query,
        "dimension": dimension,
        "dimensions": DIMENSIONS,
        "models": MODELS,
        "lookback_days": LOOKBACK_DAYS,
    }


def _report(selection: Selection, dimension: str) -> Any:
    period = selection.period
    leads = current().host.site_leads(period.first, period.last)
    pending = sum(
        1 for lead in leads if lead.conversion_id is not None and lead.first_touch is None
    )
    return build(leads, dimension, selection.filters, pending)


@bp.get("/")
def index() -> str:
    """Leads, qualified and won per campaign, source or landing page, first and last touch."""
    selection, dimension = _selection()
    report = _report(selection, dimension)
    return render_template(
        "analytics/attribution/index.html", report=report, **_context(selection, dimension)
    )


def csv_rows(report: Report) -> list[list[Any]]:
    """The report's CSV rows in the words of its page: the model's title ("Första kontakt"),
    the key as ``key_text`` prints it ("okänd", "(ingen kampanj)", a source in words)."""
    words = page_words("analytics/attribution/_macros.html")
    keys = [(model, row.key) for model in MODELS for row in report.sides[model].rows]
    return [
        [str(words.model_titles[model]), plain(words.key_text(report.dimension, key)), *row[2:]]
        for (model, key), row in zip(keys, report.csv_rows(), strict=True)
    ]


@bp.get("/export.csv")
def export() -> Response:
    """The same report as CSV: one row per model and key."""
    selection, dimension = _selection()
    report = _report(selection, dimension)
    period = selection.period
    filename = f"kunder-{dimension}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        to_csv(csv_columns(), csv_rows(report), language=request_language()),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
