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
from ..host import SiteSeries

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


@dataclass
class Table:
    """A report as columns and rows of raw values (ints, floats 0..1 for rates, seconds)."""

    name: str
    columns: list[tuple[str, str]]  # (column key, kind: text int decimal percent seconds)
    rows: list[list[Any]] = field(default_factory=list)
    filter_key: str | None = None  # clicking a row's first cell filters on it

    def column(self, key: str) -> list[Any]:
        """The values of one column, in row order (what a chart draws)."""
        index = [name for name, _kind in self.columns].index(key)
        return [row[index] for row in self.rows]

    def csv_rows(self) -> list[list[Any]]:
        """Rates and averages rounded for a spreadsheet, keys as they are."""
        out = []
        for row in self.rows:
            out.append(
                [
                    round(value, 4)
                    if kind in ("percent", "decimal", "seconds") and value is not None
                    else value
                    for value, (_key, kind) in zip(row, self.columns, strict=True)
                ]
            )
        return out


def point_label(point: datetime.date | datetime.datetime, unit: str) -> str:
    """A time-series point as the chart and table print it."""
    if unit == "hour" and isinstance(point, datetime.datetime):
        return point.strftime("%H:00")
    if unit == "month":
        return point.strftime("%Y-%m")
    return point.strftime("%Y-%m-%d")


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
) -> Table:
    """Visitors, visits, page views, bounce rate and visit length per point."""
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
        ],
    )
    for point, s in points:
        table.rows.append(
            [
                point_label(point, unit),
                s.visitors,
                s.visits,
                s.pageviews,
                s.bounce_rate,
                s.avg_visit_seconds,
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
) -> Table:
    """Any table of the dashboard by its name (the export and the one-table page)."""
    period, filters = selection.period, selection.filters
    if name == "summary":
        return summary_table(
            reports.summary(period, filters), reports.summary(period.previous(), filters)
        )
    if name == "timeseries":
        return timeseries_table(period, reports.timeseries(period, filters))
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


def overview(
    selection: Selection,
    site_series: Callable[[datetime.date, datetime.date], SiteSeries],
    now: datetime.datetime,
) -> Overview:
    """The main page: key figures against the previous period, the series, the top rows of
    every table, and the visitors of the last 30 minutes (``reports.dashboard``, the call the
    benchmark times, plus the site's own series)."""
    period, filters = selection.period, selection.filters
    found = reports.dashboard(period, filters, limit=OVERVIEW_ROWS, now=now)
    series = site_series(period.first, period.last)
    return Overview(
        summary=summary_table(found["summary"], found["previous"]),
        timeseries=timeseries_table(period, found["timeseries"]),
        conversions=conversions_table(period, series),
        consent=consent_table(period, series),
        dimensions={name: dimension_table(name, rows) for name, rows in found["tables"].items()},
        clicks={kind: clicks_table(kind, rows) for kind, rows in found["clicks"].items()},
        live_visitors=found["visitors_now"],
        unit=period.unit,
    )
