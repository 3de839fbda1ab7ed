"""What one dashboard page shows, gathered from ``analytics.reports`` and the site's series.

The views stay thin: they parse the query string into a ``Selection`` and hand it here. Every
table of the page is a ``Table`` (column keys, rows of raw values) so the HTML and the CSV export
print the same numbers from the same object.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import reports
from ..dashboard_models import Annotation
from ..host import SiteAnnotation, SiteSeries, no_annotations
from ..requestcount import Coverage, coverage

SiteAnnotations = Callable[[datetime.date, datetime.date], list[SiteAnnotation]]

# the query-string keys the dashboard reads; anything else is ignored
PERIODS = ("today", "7d", "30d", "90d", "12m", "custom")
DEFAULT_PERIOD = "30d"
MAX_VALUE_LENGTH = 512
# rows of a table on the overview, on its own page, and in its CSV file
OVERVIEW_ROWS = 10
PAGE_ROWS = 500
EXPORT_ROWS = 10_000

# a table row's key that narrows every report when clicked: dimension -> filter
ROW_FILTERS = {
    "page": "page",
    "country": "country",
    "device": "device",
    "browser": "browser",
    "source": "source",
    "campaign": "campaign",
}
CONVERSION_DIMENSIONS = ("entry", "campaign")
CONVERSIONS = ("contact", "quote", "demo", "course")
CONSENT_ACTIONS = ("accept_all", "reject_all", "custom")
SERIES_TABLES = ("summary", "timeseries", "conversions", "consent")
TABLES = (*SERIES_TABLES, *reports.DIMENSIONS, *reports.CLICK_KINDS)

# the overview's panels: the columns a panel shows beside its key (the full table and its CSV
# have them all), the first one drawn as a bar behind the key
PANEL_COLUMNS = {
    "page": ("pageviews", "visits"),
    "entry": ("visits", "conversion_rate"),
    "campaign": ("visits", "conversion_rate"),
}
PANEL_DEFAULT_COLUMNS = ("visits", "pageviews")
PANEL_CLICK_COLUMNS = ("clicks",)

# (figure, value kind) in the order of the key figures
FIGURES = (
    ("visitors", "int"),
    ("visits", "int"),
    ("pageviews", "int"),
    ("pages_per_visit", "decimal"),
    ("bounce_rate", "percent"),
    ("avg_visit_seconds", "seconds"),
    ("avg_engaged_seconds_per_page", "seconds"),
)


@dataclass(frozen=True)
class Selection:
    """The period and filters of a dashboard URL, validated."""

    period_name: str
    period: reports.Period
    filters: reports.Filters

    @classmethod
    def from_args(cls, args: Mapping[str, str], today: datetime.date) -> Selection:
        """Read ``period``/``first``/``last`` and the filters; ValueError on anything bad."""
        for key in ("period", "first", "last", *reports.FILTERS):
            value = args.get(key, "")
            # a NUL is refused by PostgreSQL mid-query (a 500); other controls are never valid
            if len(value) > MAX_VALUE_LENGTH or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
                raise ValueError(f"bad value for {key}")
        name = args.get("period", "") or DEFAULT_PERIOD
        if name not in PERIODS:
            raise ValueError("unknown period")
        first = args.get("first") or None
        last = args.get("last") or None
        if name != "custom":
            first = last = None
        period = reports.Period.parse(name, first, last, today)
        filters = reports.Filters.from_args({k: args.get(k, "") for k in reports.FILTERS})
        return cls(name, period, filters)

    def period_query(self) -> dict[str, str]:
        """The URL parameters of the period alone (the filters dropped)."""
        return self.query(**{name: "" for name in self.filters.active()})

    def query(self, **changes: str) -> dict[str, str]:
        """The URL parameters of this selection with ``changes`` (an empty value drops a key)."""
        params = {"period": self.period_name}
        if self.period_name == "custom":
            params["first"] = self.period.first.isoformat()
            params["last"] = self.period.last.isoformat()
        params.update(self.filters.active())
        params.update(changes)
        if params.get("period") != "custom":
            params.pop("first", None)
            params.pop("last", None)
        return {key: value for key, value in params.items() if value}


@dataclass(frozen=True)
class Note:
    """A dated note on the time charts: a marketer's (``kind`` "note", with its ``id``) or one
    the site made itself ("newsletter": an issue was sent, "news": an article was published)."""

    day: datetime.date
    text: str
    kind: str = "note"
    id: int | None = None

    def csv_text(self) -> str:
        """The note in a CSV cell: the site's own ones say what made them."""
        return self.text if self.kind == "note" else f"[{self.kind}] {self.text}"


@dataclass
class Table:
    """A report as columns and rows of raw values (ints, floats 0..1 for rates, seconds;
    a "notes" column holds a tuple of ``Note`` per row)."""

    name: str
    columns: list[tuple[str, str]]  # (column key, kind: text int decimal percent seconds notes)
    rows: list[list[Any]] = field(default_factory=list)
    filter_key: str | None = None  # clicking a row's first cell filters on it

    def column(self, key: str) -> list[Any]:
        """The values of one column, in row order (what a chart draws)."""
        index = [name for name, _kind in self.columns].index(key)
        return [row[index] for row in self.rows]

    def csv_rows(self) -> list[list[Any]]:
        """Rates and averages rounded for a spreadsheet, keys as they are, notes as text."""
        out = []
        for row in self.rows:
            out.append(
                [
                    round(value, 4)
                    if kind in ("percent", "decimal", "seconds") and value is not None
                    else " | ".join(note.csv_text() for note in value)
                    if kind == "notes"
                    else value
                    for value, (_key, kind) in zip(row, self.columns, strict=True)
                ]
            )
        return out

    def panel(self) -> Panel:
        """The few columns the overview's panel of this table shows, and its bars."""
        if self.name in reports.CLICK_KINDS:
            keys: tuple[str, ...] = PANEL_CLICK_COLUMNS
        else:
            keys = PANEL_COLUMNS.get(self.name, PANEL_DEFAULT_COLUMNS)
        names = [name for name, _kind in self.columns]
        indexes = [names.index(key) for key in keys if key in names]
        values = [row[indexes[0]] or 0 for row in self.rows] if indexes else []
        top = max(values, default=0)
        return Panel(
            columns=[self.columns[i] for i in indexes],
            rows=[(row[0], [row[i] for i in indexes]) for row in self.rows],
            shares=[value / top if top else 0.0 for value in values],
        )


@dataclass
class Panel:
    """A table as the overview's panel shows it: each row's key, its few values, and the
    share of the first value against the table's top row (0..1: the bar behind the key)."""

    columns: list[tuple[str, str]]
    rows: list[tuple[Any, list[Any]]]
    shares: list[float]


def point_label(point: datetime.date | datetime.datetime, unit: str) -> str:
    """A time-series point as the chart and table print it."""
    if unit == "hour" and isinstance(point, datetime.datetime):
        return point.strftime("%H:00")
    if unit == "month":
        return point.strftime("%Y-%m")
    return point.strftime("%Y-%m-%d")


def note_label(day: datetime.date, unit: str) -> str:
    """The point of a time series a note dated ``day`` sits on: its day or its month; in an
    hourly series (one day), the first hour."""
    if unit == "hour":
        return "00:00"
    if unit == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


def notes_for(period: reports.Period, site_annotations: SiteAnnotations) -> list[Note]:
    """The marketers' notes and the site's own dated events in the period, in date order
    (one query for the notes, and what the site's hook costs: two for newsletters and news)."""
    notes = [
        Note(row.day, row.text, "note", row.id)
        for row in Annotation.between(period.first, period.last)
    ]
    notes += [
        Note(item.day, item.text, item.kind)
        for item in site_annotations(period.first, period.last)
        if period.first <= item.day <= period.last
    ]
    return sorted(notes, key=lambda note: (note.day, note.kind != "note", note.id or 0))


def notes_by_label(notes: Iterable[Note], unit: str) -> dict[str, tuple[Note, ...]]:
    """The notes grouped on the label of the point they sit on."""
    grouped: dict[str, list[Note]] = {}
    for note in notes:
        grouped.setdefault(note_label(note.day, unit), []).append(note)
    return {label: tuple(items) for label, items in grouped.items()}


def buckets(period: reports.Period) -> list[tuple[str, datetime.date, datetime.date]]:
    """The days (or, beyond 92 days, the months) of the period as (label, first, last)."""
    out = []
    if period.unit == "month":
        day = period.first
        while day <= period.last:
            following = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
            end = min(following - datetime.timedelta(days=1), period.last)
            out.append((day.strftime("%Y-%m"), day, end))
            day = following
        return out
    day = period.first
    while day <= period.last:
        out.append((day.isoformat(), day, day))
        day += datetime.timedelta(days=1)
    return out


def _bucketed(
    series: SiteSeries, names: Iterable[str], period: reports.Period
) -> list[tuple[str, dict[str, int]]]:
    """Sum the site's daily counts into the period's buckets."""
    out = []
    for label, first, last in buckets(period):
        sums: dict[str, int] = {}
        for name in names:
            days = series.get(name) or {}
            sums[name] = sum(n for day, n in days.items() if first <= day <= last)
        out.append((label, sums))
    return out


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def summary_table(current: reports.Summary, previous: reports.Summary) -> Table:
    """The key figures with the previous period and the relative change (None: no basis)."""
    table = Table(
        "summary",
        [
            ("figure", "text"),
            ("current", "decimal"),
            ("previous", "decimal"),
            ("change", "percent"),
        ],
    )
    for name, _kind in FIGURES:
        now, before = getattr(current, name), getattr(previous, name)
        table.rows.append([name, now, before, reports.change(now, before)])
    return table


def timeseries_table(
    period: reports.Period,
    points: Iterable[tuple[datetime.date | datetime.datetime, reports.Summary]],
    notes: Iterable[Note] = (),
) -> Table:
    """Visitors, visits, page views, bounce rate and visit length per point, and the notes
    dated on it."""
    unit = period.unit
    table = Table(
        "timeseries",
        [
            ("period", "text"),
            ("visitors", "int"),
            ("visits", "int"),
            ("pageviews", "int"),
            ("bounce_rate", "percent"),
            ("avg_visit_seconds", "seconds"),
            ("notes", "notes"),
        ],
    )
    by_label = notes_by_label(notes, unit)
    for point, s in points:
        label = point_label(point, unit)
        table.rows.append(
            [
                label,
                s.visitors,
                s.visits,
                s.pageviews,
                s.bounce_rate,
                s.avg_visit_seconds,
                by_label.get(label, ()),
            ]
        )
    return table


def conversions_table(period: reports.Period, series: SiteSeries) -> Table:
    """Leads by kind and course sign-ups per day (per month beyond 92 days)."""
    table = Table(
        "conversions",
        [("period", "text"), *((name, "int") for name in CONVERSIONS), ("total", "int")],
    )
    for label, sums in _bucketed(series, CONVERSIONS, period):
        values = [sums[name] for name in CONVERSIONS]
        table.rows.append([label, *values, sum(values)])
    return table


def consent_table(period: reports.Period, series: SiteSeries) -> Table:
    """Banner decisions per day and each one's share of the three (accept, reject, custom)."""
    names = [f"consent_{action}" for action in CONSENT_ACTIONS]
    table = Table(
        "consent",
        [
            ("period", "text"),
            *((action, "int") for action in CONSENT_ACTIONS),
            *((f"{action}_rate", "percent") for action in CONSENT_ACTIONS),
        ],
    )
    for label, sums in _bucketed(series, names, period):
        counts = [sums[name] for name in names]
        whole = sum(counts)
        table.rows.append([label, *counts, *(_rate(n, whole) for n in counts)])
    return table


def dimension_table(dimension: str, rows: list[reports.Row]) -> Table:
    """One of the report tables: a key and its visits, page views, bounce rate, visit length;
    conversions too for landing pages and campaigns."""
    columns = [("key", "text")]
    if dimension == "page":
        columns += [("pageviews", "int"), ("visits", "int"), ("avg_engaged_seconds", "seconds")]
    else:
        columns += [
            ("visits", "int"),
            ("pageviews", "int"),
            ("bounce_rate", "percent"),
            ("avg_visit_seconds", "seconds"),
        ]
    if dimension in CONVERSION_DIMENSIONS:
        columns += [("conversions", "int"), ("conversion_rate", "percent")]
    table = Table(dimension, columns, filter_key=ROW_FILTERS.get(dimension))
    for row in rows:
        if dimension == "page":
            values = [row.key, row.pageviews, row.visits, row.avg_engaged_seconds_per_page]
        else:
            values = [row.key, row.visits, row.pageviews, row.bounce_rate, row.avg_visit_seconds]
        if dimension in CONVERSION_DIMENSIONS:
            values += [row.conversions, row.conversion_rate]
        table.rows.append(values)
    return table


def clicks_table(kind: str, rows: list[tuple[str, int]]) -> Table:
    """Clicks, downloads or outbound links: the target and how often."""
    table = Table(kind, [("target", "text"), ("clicks", "int")])
    table.rows = [[target, count] for target, count in rows]
    return table


def build_table(
    name: str,
    selection: Selection,
    limit: int,
    site_series: Callable[[datetime.date, datetime.date], SiteSeries],
    site_annotations: SiteAnnotations = no_annotations,
) -> Table:
    """Any table of the dashboard by its name (the export and the one-table page)."""
    period, filters = selection.period, selection.filters
    if name == "summary":
        return summary_table(
            reports.summary(period, filters), reports.summary(period.previous(), filters)
        )
    if name == "timeseries":
        return timeseries_table(
            period, reports.timeseries(period, filters), notes_for(period, site_annotations)
        )
    if name == "conversions":
        return conversions_table(period, site_series(period.first, period.last))
    if name == "consent":
        return consent_table(period, site_series(period.first, period.last))
    if name in reports.CLICK_KINDS:
        return clicks_table(name, reports.clicks(name, period, filters, limit))
    if name in reports.DIMENSIONS:
        return dimension_table(name, reports.table(name, period, filters, limit))
    raise KeyError(name)


@dataclass
class Overview:
    """Everything the dashboard's main page shows."""

    summary: Table
    timeseries: Table
    conversions: Table
    consent: Table
    dimensions: dict[str, Table]
    clicks: dict[str, Table]
    live_visitors: int
    unit: str
    notes: list[Note] = field(default_factory=list)
    coverage: Coverage | None = None

    @property
    def bucket_unit(self) -> str:
        """The unit of the site's series (conversions, consent): days, months beyond 92 days."""
        return "month" if self.unit == "month" else "day"


def overview(
    selection: Selection,
    site_series: Callable[[datetime.date, datetime.date], SiteSeries],
    now: datetime.datetime,
    site_annotations: SiteAnnotations = no_annotations,
) -> Overview:
    """The main page: key figures against the previous period, the series, the top rows of
    every table, the visitors of the last 30 minutes (``reports.dashboard``, the call the
    benchmark times), the site's own series, and the notes of the period."""
    period, filters = selection.period, selection.filters
    found = reports.dashboard(period, filters, limit=OVERVIEW_ROWS, now=now)
    series = site_series(period.first, period.last)
    notes = notes_for(period, site_annotations)
    return Overview(
        summary=summary_table(found["summary"], found["previous"]),
        timeseries=timeseries_table(period, found["timeseries"], notes),
        conversions=conversions_table(period, series),
        consent=consent_table(period, series),
        dimensions={name: dimension_table(name, rows) for name, rows in found["tables"].items()},
        clicks={kind: clicks_table(kind, rows) for kind, rows in found["clicks"].items()},
        live_visitors=found["visitors_now"],
        unit=period.unit,
        notes=notes,
        coverage=coverage(period, filters, found["summary"]),
    )
