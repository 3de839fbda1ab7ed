"""Funnel pages under /dashboard/funnels/: the list, the editor (new, edit, delete), a funnel's
report for the dashboard's period and filters, and its CSV file.

Guarded as the dashboard is (``Host.guard``: marketers and admins), never kept by a browser or
a proxy. A bad period or filter is a 400, an unknown funnel a 404, a report whose query runs
past ANALYTICS_QUERY_BUDGET_MS a 503 that offers a lighter question (``dashboard.budget``).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from .. import clock, reports
from ..csvexport import page_words, request_language, to_csv
from ..dashboard.budget import budgeted, too_heavy_page
from ..dashboard.data import Selection
from ..dashboard.pages import marketers_only
from ..dashboard.views import page_context as dashboard_context
from .chart import funnel_chart
from .forms import FunnelForm
from .models import CONVERSION_NAMES, Funnel, InvalidFunnel
from .report import CSV_COLUMNS, FunnelReport
from .report import report as count

bp = marketers_only(
    Blueprint("funnels", __name__, url_prefix="/dashboard/funnels", template_folder="../templates")
)


def _funnel(funnel_id: int) -> Funnel:
    funnel = Funnel.find(funnel_id)
    if funnel is None:
        abort(404)
    return funnel


def _countable(funnel_id: int) -> Funnel:
    """A funnel that can be counted. One whose stored steps or window cannot be read (written
    by an older version or by hand) answers a page that says so and leads to its editor: 409,
    since what is wrong is the stored funnel, not the request."""
    funnel = _funnel(funnel_id)
    if not funnel.readable:
        abort(Response(render_template("analytics/funnels/unreadable.html", funnel=funnel), 409))
    return funnel


def _selection() -> Selection:
    try:
        return Selection.from_args(request.args, clock.now().date())
    except ValueError:
        abort(400)


def _too_heavy(budget: int) -> str:
    """The same period and filters were too heavy: offer shorter periods and fewer filters."""
    selection = _selection()
    shorter = [
        name
        for name in ("7d", "today")
        if reports.PERIOD_DAYS[name] < selection.period.days and name != selection.period_name
    ]
    return too_heavy_page(budget, shorter=shorter, **dashboard_context(selection))


def _editor(form: FunnelForm, funnel: Funnel | None) -> str:
    return render_template(
        "analytics/funnels/edit.html",
        form=form,
        funnel=funnel,
        unreadable=funnel is not None and not funnel.readable,
        conversions=CONVERSION_NAMES,
    )


@bp.get("/")
def index() -> str:
    """Every funnel, by name, with a link to its report and its editor."""
    return render_template("analytics/funnels/index.html", funnels=Funnel.by_name())


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """The editor for a new funnel; a stored one opens its report."""
    form = FunnelForm()
    if form.validate_on_submit():
        try:
            funnel = Funnel.make(str(form.name.data), form.steps(), str(form.within.data))
        except InvalidFunnel:
            abort(400)  # the form checks what the model checks: only a forged post gets here
        flash(_("Tratten är sparad."), "success")
        return redirect(url_for("funnels.report", funnel_id=funnel.id))
    return _editor(form, None)


@bp.route("/<int:funnel_id>/edit", methods=["GET", "POST"])
def edit(funnel_id: int) -> ResponseReturnValue:
    """The editor for a stored funnel."""
    funnel = _funnel(funnel_id)
    form = FunnelForm()
    if request.method == "GET":
        form.fill(funnel)
    elif form.validate_on_submit():
        try:
            funnel.change(str(form.name.data), form.steps(), str(form.within.data))
        except InvalidFunnel:
            abort(400)
        flash(_("Tratten är sparad."), "success")
        return redirect(url_for("funnels.report", funnel_id=funnel.id))
    return _editor(form, funnel)


@bp.post("/<int:funnel_id>/delete")
def delete(funnel_id: int) -> ResponseReturnValue:
    """Remove a funnel (its definition only: the events it counted stay)."""
    funnel = _funnel(funnel_id)
    funnel.delete_instance()
    flash(_("Tratten %(name)s är borttagen.", name=funnel.name), "success")
    return redirect(url_for("funnels.index"))


@bp.get("/<int:funnel_id>")
@budgeted(_too_heavy)
def report(funnel_id: int) -> str:
    """The funnel counted for the query string's period and filters: chart, table, CSV link."""
    funnel = _countable(funnel_id)
    selection = _selection()
    found = count(funnel, selection.period, selection.filters)
    return render_template(
        "analytics/funnels/report.html",
        funnel=funnel,
        found=found,
        funnel_chart=funnel_chart,
        **dashboard_context(selection),
    )


def csv_rows(found: FunnelReport) -> list[list[object]]:
    """The report's CSV rows with each step's kind and a conversion in the words of the
    funnel pages (``_steps.html``: "Sida", "Konvertering", "Offertförfrågan")."""
    words = page_words("analytics/funnels/_steps.html")
    out = []
    for step_row, row in zip(found.rows, found.csv_rows(), strict=True):
        kind, value = step_row.step.kind, step_row.step.value
        row[1] = str(words.kind_labels.get(kind, kind))
        if kind == "conversion":
            row[2] = str(words.conversion_labels.get(value, value))
        out.append(row)
    return out


@bp.get("/<int:funnel_id>.csv")
@budgeted(_too_heavy)
def export(funnel_id: int) -> Response:
    """The report's table as CSV, for the same period and filters."""
    funnel = _countable(funnel_id)
    selection = _selection()
    found = count(funnel, selection.period, selection.filters)
    period = selection.period
    filename = f"funnel-{funnel.id}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        to_csv(CSV_COLUMNS, csv_rows(found), language=request_language()),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
