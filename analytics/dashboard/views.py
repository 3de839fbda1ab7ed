"""Dashboard views: /dashboard/ (the overview), /dashboard/table/<name> (one whole table) and
/dashboard/export/<name>.csv. The period and filters live in the query string, so a view can be
shared; a bad value is a 400, an unknown table a 404, and a question whose queries run past
ANALYTICS_QUERY_BUDGET_MS a 503 that offers a shorter period or fewer filters (``budget``).

Issue 16: /dashboard/annotations (the notes on the time charts: list, add, delete) and
/dashboard/views (saved views: list, save, open, delete), shared by every marketer. A form on
the overview sends the overview's own period and filters beside its fields, so the answer can
lead back to the same view; those values go through ``Selection.from_args`` like any URL's."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from .. import clock, reports
from ..attribution.report import top_campaigns_in
from ..csvexport import page_words, plain, request_language, to_csv
from ..dashboard_models import (
    VIEW_QUERY_MAX_LENGTH,
    Annotation,
    DuplicateName,
    Invalid,
    SavedView,
    authors,
)
from ..state import current
from . import charts
from .budget import budgeted, too_heavy_page
from .data import (
    CONVERSIONS,
    EXPORT_ROWS,
    FIGURES,
    PAGE_ROWS,
    TABLES,
    Note,
    Selection,
    Table,
    build_table,
    notes_by_label,
    overview,
)
from .forms import AnnotationForm, DeleteForm, SavedViewForm
from .pages import country_name, marketers_only, selection_context

# the templates are analytics' own, under analytics/templates/analytics/ (a name no site
# template uses); they extend the host's base.html
bp = marketers_only(
    Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="../templates")
)


# the saved views listed on the overview (all of them on their own page)
OVERVIEW_VIEWS = 12


def _selection() -> Selection:
    try:
        return Selection.from_args(request.args, clock.now().date())
    except ValueError:
        abort(400)


def _posted_selection() -> Selection | None:
    """The period and filters a form sent beside its own fields (None: it sent none); a bad
    value is a 400, as in a URL."""
    if not request.form.get("period"):
        return None
    try:
        return Selection.from_args(request.form, clock.now().date())
    except ValueError:
        abort(400)


def note_text(note: Note) -> str:
    """A note as the chart's tooltip, its description and the table print it: the site's own
    say what made them."""
    if note.kind == "newsletter":
        return str(gettext("Nyhetsbrev skickat: %(text)s", text=note.text))
    if note.kind == "news":
        return str(gettext("Nyhet publicerad: %(text)s", text=note.text))
    return note.text


def chart_markers(notes: Iterable[Note], labels: Sequence[str], unit: str) -> list[charts.Marker]:
    """The notes of the period as markers on a chart whose points are ``labels`` in ``unit``
    (day, month, hour): each on the point its day falls on."""
    grouped = notes_by_label(notes, unit)
    return [
        charts.Marker(label, [note_text(note) for note in grouped[label]])
        for label in labels
        if label in grouped
    ]


def markers_desc(markers: Sequence[charts.Marker]) -> str:
    """The notes of a chart for its description (its text alternative); empty without notes."""
    if not markers:
        return ""
    return " " + str(gettext("Anteckningar: %(notes)s", notes=charts.marker_desc(markers)))


def page_context(selection: Selection) -> dict[str, Any]:
    """The template context of a page that shows this selection: the dashboard's own pages and
    the funnels' report and "too heavy" pages."""

    def here(clear_filters: bool = False, **changes: str) -> str:
        # this page with the selection changed: a row's filter link, a filter's removal
        params = selection.period_query() if clear_filters else selection.query(**changes)
        values: dict[str, Any] = {**(request.view_args or {}), **params}
        return url_for(request.endpoint or "", **values)

    return {
        **selection_context(selection, here),
        "figures": FIGURES,
        "conversion_names": CONVERSIONS,
        "charts": charts,
        "note_text": note_text,
        "chart_markers": chart_markers,
        "markers_desc": markers_desc,
    }


def _too_heavy(budget: int) -> str:
    """The same period and filters were too heavy: offer shorter periods and fewer filters."""
    selection = _selection()
    shorter = [
        name
        for name in ("7d", "today")
        if reports.PERIOD_DAYS[name] < selection.period.days and name != selection.period_name
    ]
    return too_heavy_page(budget, shorter=shorter, **page_context(selection))


@bp.get("/")
@budgeted(_too_heavy)
def index() -> str:
    """Key figures against the previous period, charts, and the top rows of every table."""
    selection = _selection()
    state = current()
    now = clock.now()
    page = overview(selection, state.host.site_series, now, state.host.site_annotations)
    views = SavedView.by_name()
    return render_template(
        "analytics/dashboard/index.html",
        page=page,
        saved_views=views[:OVERVIEW_VIEWS],
        more_views=len(views) > OVERVIEW_VIEWS,
        note_form=AnnotationForm(formdata=None, day=now.date()),
        view_form=SavedViewForm(formdata=None),
        top_campaigns=top_campaigns_in(selection.period, selection.filters),
        **page_context(selection),
    )


def _table(name: str, rows: int) -> tuple[Selection, Table]:
    """The selection of the query string and its table ``name`` (404 for an unknown one)."""
    if name not in TABLES:
        abort(404)
    selection = _selection()
    state = current()
    return selection, build_table(
        name, selection, rows, state.host.site_series, state.host.site_annotations
    )


@bp.get("/table/<name>")
@budgeted(_too_heavy)
def table(name: str) -> str:
    """One table of the dashboard with all its rows (up to PAGE_ROWS)."""
    selection, found = _table(name, PAGE_ROWS)
    return render_template("analytics/dashboard/table.html", table=found, **page_context(selection))


def csv_rows(found: Table) -> list[list[Any]]:
    """A table's CSV rows in the words its HTML table shows: a key as ``key_text`` prints it
    (figures, sources and devices in words, countries by name, "(okänt)" for the empty key),
    notes as ``note_text``; numbers stay numbers (``Table.csv_rows`` rounds them)."""
    words = page_words("analytics/dashboard/_macros.html", country_name=country_name)
    notes = [index for index, (_key, kind) in enumerate(found.columns) if kind == "notes"]
    out = []
    for raw, row in zip(found.rows, found.csv_rows(), strict=True):
        row[0] = plain(words.key_text(found.name, raw[0]))
        for index in notes:
            row[index] = " | ".join(note_text(note) for note in raw[index])
        out.append(row)
    return out


@bp.get("/export/<name>.csv")
@budgeted(_too_heavy)
def export(name: str) -> Response:
    """One table as CSV: the same period and filters, up to EXPORT_ROWS rows."""
    selection, found = _table(name, EXPORT_ROWS)
    period = selection.period
    filename = f"{name}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        to_csv([key for key, _kind in found.columns], csv_rows(found), language=request_language()),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


# ---------------------------------------------------------------------------- issue 16: notes


def _authors(rows: Iterable[Annotation | SavedView]) -> Mapping[int, Mapping[str, Any]]:
    """Who wrote ``rows``: one call to the host's people for the whole page."""
    people = current().host.people
    ids = authors(rows)
    return people.describe(ids) if people is not None and ids else {}


def _back(selection: Selection | None, fallback: str, anchor: str = "") -> ResponseReturnValue:
    """To the overview with the selection a form came from, else to ``fallback``."""
    if selection is None:
        return redirect(url_for(fallback))
    params: dict[str, Any] = selection.query()
    return redirect(url_for("dashboard.index", **params) + anchor)


def _annotations_page(form: AnnotationForm, status: int = 200) -> ResponseReturnValue:
    notes = Annotation.newest_first()
    today = clock.now().date()
    return (
        render_template(
            "analytics/dashboard/annotations.html",
            form=form,
            notes=notes,
            people=_authors(notes),
            delete_form=DeleteForm(formdata=None),
            selection=None,
            today=today,
        ),
        status,
    )


# the function is not called ``annotations``: that name is the __future__ import's
@bp.route("/annotations", methods=["GET", "POST"], endpoint="annotations")
def notes() -> ResponseReturnValue:
    """Every note, newest date first, and the form that adds one (also on the overview)."""
    if request.method == "GET":
        return _annotations_page(AnnotationForm(formdata=None, day=clock.now().date()))
    selection = _posted_selection()
    form = AnnotationForm()
    if not form.validate():
        return _annotations_page(form, 400)
    day, text = form.day.data, form.text.data
    if day is None or text is None:  # the validators refuse both already
        abort(400)
    try:
        Annotation.add(day, text, current().host.current_user_id())
    except Invalid:  # the form applies the same rules: only a race with the clock gets here
        abort(400)
    flash(gettext("Anteckningen är sparad."), "success")
    return _back(selection, "dashboard.annotations", "#timeseries-title")


@bp.post("/annotations/<int:annotation_id>/delete")
def delete_annotation(annotation_id: int) -> ResponseReturnValue:
    """Delete one note (any marketer's: the notes are the team's)."""
    note = Annotation.find(annotation_id)
    if note is None:
        abort(404)
    if not DeleteForm().validate():
        abort(400)
    note.delete_instance()
    flash(gettext("Anteckningen är borttagen."), "success")
    return redirect(url_for("dashboard.annotations"))


# ---------------------------------------------------------------------------- issue 16: views


# what the query of a saved view may name: the dashboard's period and its filters
VIEW_KEYS = frozenset(("period", "first", "last", *reports.FILTERS))


def saved_selection(view: SavedView, today: datetime.date) -> Selection:
    """The period and filters a saved view holds; ValueError unless its query is one the
    dashboard could have saved: each known key once, nothing else. A view saved here always
    is; one written by an older version or by hand may name a filter that no longer exists,
    and opening it without that filter would show other figures under the view's name."""
    query = view.query if isinstance(view.query, str) else ""
    if not query or len(query) > VIEW_QUERY_MAX_LENGTH:
        raise ValueError("no query a view can hold")
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    keys = [key for key, _value in pairs]
    if len(set(keys)) != len(keys) or not set(keys) <= VIEW_KEYS:
        raise ValueError("a key twice, or one the dashboard does not know")
    return Selection.from_args(dict(pairs), today)


def _views_page(
    form: SavedViewForm,
    selection: Selection | None,
    status: int = 200,
    unreadable: SavedView | None = None,
) -> ResponseReturnValue:
    views = SavedView.by_name()
    today = clock.now().date()
    described: list[tuple[SavedView, Selection | None]] = []
    for view in views:
        try:
            described.append((view, saved_selection(view, today)))
        except ValueError:  # written by an older version or by hand: listed, to be deleted
            described.append((view, None))
    return (
        render_template(
            "analytics/dashboard/views.html",
            form=form,
            views=described,
            people=_authors(views),
            delete_form=DeleteForm(formdata=None),
            current_selection=selection,
            unreadable=unreadable,
            **page_context(selection or Selection.from_args({}, today)),
        ),
        status,
    )


@bp.route("/views", methods=["GET", "POST"])
def views() -> ResponseReturnValue:
    """The saved views of every marketer, and saving one: a name for a period and filters."""
    if request.method == "GET":
        return _views_page(SavedViewForm(formdata=None), None)
    selection = _posted_selection()
    if selection is None:
        abort(400)
    form = SavedViewForm()
    if not form.validate() or form.name.data is None:
        return _views_page(form, selection, 400)
    try:
        SavedView.save_as(
            form.name.data, urlencode(selection.query()), current().host.current_user_id()
        )
    except DuplicateName:
        form.name.errors = [gettext("Det finns redan en sparad vy med det namnet.")]
        return _views_page(form, selection, 400)
    except Invalid:
        abort(400)
    flash(gettext("Vyn är sparad: %(name)s", name=form.name.data), "success")
    return _back(selection, "dashboard.views")


@bp.get("/views/<int:view_id>")
def open_view(view_id: int) -> ResponseReturnValue:
    """The overview with the saved period and filters (one click from any list)."""
    view = SavedView.find(view_id)
    if view is None:
        abort(404)
    try:
        selection = saved_selection(view, clock.now().date())
    except ValueError:
        # the stored view, not the request, is what is wrong: the list says which one and
        # offers to delete it
        return _views_page(SavedViewForm(formdata=None), None, 409, unreadable=view)
    params: dict[str, Any] = selection.query()
    return redirect(url_for("dashboard.index", **params))


@bp.post("/views/<int:view_id>/delete")
def delete_view(view_id: int) -> ResponseReturnValue:
    """Delete a saved view (any marketer's: the list is the team's)."""
    view = SavedView.find(view_id)
    if view is None:
        abort(404)
    if not DeleteForm().validate():
        abort(400)
    view.delete_instance()
    flash(gettext("Vyn är borttagen: %(name)s", name=view.name), "success")
    return redirect(url_for("dashboard.views"))
