"""What the reports and the rollups both speak: the period, the filters, the figures, and the
SQL that selects and measures visits.

``analytics.reports`` answers the dashboard's questions and ``analytics.rollups`` keeps daily
aggregates of the same figures; both build on this module, so neither imports the other's
internals (reports imports rollups, never the reverse). Definitions: docs/ARCHITECTURE.md and
the docstring of ``analytics.reports``.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import peewee

from .db import database, remaining_ms

DIMENSIONS = (
    "page",
    "entry",
    "exit",
    "source",
    "referrer_host",
    "campaign",
    "country",
    "city",
    "browser",
    "os",
    "device",
    "screen",
    "language",
    "timezone",
)
FILTERS = ("page", "country", "device", "browser", "source", "campaign")
# the device classes a stored visit can have (analytics.useragent: "other" when a user agent
# could not be parsed; bots are never stored): the device table links each of its rows to a
# filter on it, so every one must be a valid filter value
DEVICES = ("desktop", "mobile", "tablet", "other")
CLICK_KINDS = ("click", "download", "outbound")
PERIODS = ("today", "7d", "30d", "90d", "12m", "custom")
PERIOD_DAYS = {"today": 1, "7d": 7, "30d": 30, "90d": 90, "12m": 365}
MAX_SPAN_DAYS = 731
# nothing was measured before the site existed; also keeps previous() far from date.min
EARLIEST_DAY = datetime.date(2000, 1, 1)
# a click on a link to one of these is a download (matched on the path, case-insensitively)
DOCUMENT_EXTENSIONS = (
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".odt",
    ".ods",
    ".odp",
    ".rtf",
    ".csv",
    ".txt",
    ".zip",
    ".rar",
    ".7z",
    ".gz",
    ".tar",
    ".epub",
    ".mp3",
    ".mp4",
    ".exe",
    ".msi",
    ".dmg",
)

# the visit column behind each visit-level dimension and filter
VISIT_COLUMNS = {
    "entry": "entry_path",
    "exit": "exit_path",
    "source": "referrer_source",
    "referrer_host": "referrer_host",
    "campaign": "utm_campaign",
    "country": "country",
    "city": "city",
    "browser": "browser",
    "os": "os",
    "device": "device",
    "screen": "screen",
    "language": "language",
    "timezone": "timezone",
}
FILTER_COLUMNS = {
    "country": "country",
    "device": "device",
    "browser": "browser",
    "source": "referrer_source",
    "campaign": "utm_campaign",
}


# ------------------------------------------------------------------------------ the period


def _iso_day(value: object) -> datetime.date:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return datetime.date.fromisoformat(value)


@dataclass(frozen=True)
class Period:
    """Inclusive UTC days ``first`` … ``last``."""

    first: datetime.date
    last: datetime.date

    @classmethod
    def parse(cls, name: str, first: str | None, last: str | None, today: datetime.date) -> Period:
        """The period called ``name`` (today, 7d, 30d, 90d, 12m, custom) as of ``today``."""
        if name in PERIOD_DAYS:
            return cls(today - datetime.timedelta(days=PERIOD_DAYS[name] - 1), today)
        if name != "custom":
            raise ValueError(f"unknown period {name!r}")
        start, end = _iso_day(first), _iso_day(last)
        if start > end:
            raise ValueError("the first day comes after the last")
        if end > today:
            raise ValueError("the period ends in the future")
        if start < EARLIEST_DAY:
            raise ValueError("the period starts too early")
        if (end - start).days + 1 > MAX_SPAN_DAYS:
            raise ValueError(f"a period is at most {MAX_SPAN_DAYS} days")
        return cls(start, end)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        last = self.first - datetime.timedelta(days=1)
        return Period(last - datetime.timedelta(days=self.days - 1), last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def unit(self) -> str:
        """The time series' step: hour for one day, month beyond 92 days, else day."""
        if self.days == 1:
            return "hour"
        return "month" if self.days > 92 else "day"

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as naive UTC datetimes."""
        start = datetime.datetime.combine(self.first, datetime.time())
        return start, datetime.datetime.combine(self.last, datetime.time()) + datetime.timedelta(
            days=1
        )


# ------------------------------------------------------------------------------ the filters

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Filters:
    """What every report is narrowed to; an empty value is no filter."""

    page: str = ""
    country: str = ""
    device: str = ""
    browser: str = ""
    source: str = ""
    campaign: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """The filters in a query string; ValueError on a value no visit could have."""
        values = {}
        for name in FILTERS:
            value = args.get(name, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ValueError(f"bad {name}")
            values[name] = _check_filter(name, value)
        return cls(**values)

    def active(self) -> dict[str, str]:
        """The filters that are set, by name."""
        return {name: getattr(self, name) for name in FILTERS if getattr(self, name)}


MAX_FILTER_LENGTH = {
    "page": 512,
    "country": 2,
    "device": 10,
    "browser": 50,
    "source": 12,
    "campaign": 100,
}


def _check_filter(name: str, value: str) -> str:
    if value == "":
        return value
    if len(value) > MAX_FILTER_LENGTH[name] or _CONTROL.search(value):
        raise ValueError(f"bad {name}")
    if name == "page" and not value.startswith("/"):
        raise ValueError("a page filter is a path starting with /")
    if name == "country":
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise ValueError("a country is two letters")
        return value.upper()
    if name == "device" and value not in DEVICES:
        raise ValueError("a device is desktop, mobile, tablet or other")
    if name == "source" and not re.fullmatch(r"[a-z]+", value):
        raise ValueError("bad source")
    return value


# ------------------------------------------------------------------------------ the figures


class _Rates:
    """Derived figures shared by Summary and Row; 0 when the denominator is 0."""

    visits: int
    pageviews: int
    bounces: int
    duration_seconds: int
    engaged_ms: int

    @property
    def pages_per_visit(self) -> float:
        return self.pageviews / self.visits if self.visits else 0.0

    @property
    def bounce_rate(self) -> float:
        return self.bounces / self.visits if self.visits else 0.0

    @property
    def avg_visit_seconds(self) -> float:
        return self.duration_seconds / self.visits if self.visits else 0.0

    @property
    def avg_engaged_seconds_per_page(self) -> float:
        return self.engaged_ms / 1000 / self.pageviews if self.pageviews else 0.0


@dataclass
class Summary(_Rates):
    visitors: int = 0
    visits: int = 0
    pageviews: int = 0
    bounces: int = 0
    duration_seconds: int = 0  # sum over visits of last event - first event
    engaged_ms: int = 0  # sum of engagement milliseconds
    conversions: int = 0  # visits with a conversion event


@dataclass
class Row(_Rates):
    key: str
    visits: int = 0
    pageviews: int = 0
    bounces: int = 0
    duration_seconds: int = 0
    conversions: int = 0
    engaged_ms: int = 0

    @property
    def conversion_rate(self) -> float:
        return self.conversions / self.visits if self.visits else 0.0


# the additive measures, in the order every query returns them
MEASURES = ("visits", "pageviews", "bounces", "duration_seconds", "engaged_ms", "conversions")


def visitor_hash(visitor_id: str) -> int:
    """A visitor id as a signed 64-bit number: what the rollups keep of visitors per day."""
    digest = hashlib.blake2b(visitor_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


# ------------------------------------------------------------------------------ shaping results


def add_measures(target: Summary | Row, values: Iterable[object]) -> None:
    """Add ``values`` (in MEASURES' order) to the figures of ``target``."""
    for name, value in zip(MEASURES, values, strict=True):
        setattr(target, name, getattr(target, name) + int(value or 0))  # type: ignore[call-overload]


def buckets(period: Period) -> list[Any]:
    """The time series' points of ``period``: its hours, days or first days of months."""
    unit = period.unit
    if unit == "hour":
        start = datetime.datetime.combine(period.first, datetime.time())
        return [start + datetime.timedelta(hours=hour) for hour in range(24)]
    if unit == "day":
        return [period.first + datetime.timedelta(days=n) for n in range(period.days)]
    months, day = [], period.first.replace(day=1)
    while day <= period.last:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def sorted_rows(dimension: str, found: dict[str, list[Any]], limit: int) -> list[Row]:
    """A dimension's rows, by visits (page views for "page") descending, then key."""
    rows = []
    for key, measures in found.items():
        row = Row(key)
        add_measures(row, measures)
        rows.append(row)
    if dimension == "page":
        rows.sort(key=lambda row: (-row.pageviews, row.key))
    else:
        rows.sort(key=lambda row: (-row.visits, row.key))
    return rows[:limit]


def sorted_clicks(found: dict[str, dict[str, int]], limit: int) -> dict[str, list[Any]]:
    """Each click kind's (key, count), most clicked first, then key."""
    return {
        kind: sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        for kind, counts in found.items()
    }


# ------------------------------------------------------------------------------ SQL helpers


def _db() -> peewee.Database:
    return cast(peewee.Database, database.obj)


def _postgres() -> bool:
    return isinstance(_db(), peewee.PostgresqlDatabase)


def sql_value(value: object) -> object:
    """A parameter as the database stores it: SQLite keeps dates and times as ISO text
    (what peewee writes), formatted here instead of by sqlite3's deprecated default adapters."""
    if isinstance(value, datetime.date) and not _postgres():
        return value.isoformat(" ") if isinstance(value, datetime.datetime) else value.isoformat()
    return value


def query(sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
    db = _db()
    if db.param != "?":
        sql = sql.replace("?", db.param)
    left = remaining_ms()  # TooHeavy when a time budget is already spent
    if left is not None and _postgres():
        # what is left of the budget for this statement, in the same round trip: the page's
        # statements together stay within it, not each one on its own
        sql = f"SET LOCAL statement_timeout = {left}; " + sql
    cursor = db.execute_sql(sql, tuple(sql_value(value) for value in params))
    return cast(list[tuple[Any, ...]], cursor.fetchall())


def duration_sql(alias: str = "v") -> str:
    """A visit's duration in whole seconds, the same on SQLite and PostgreSQL."""
    if _postgres():
        return (
            f"(CAST(EXTRACT(EPOCH FROM date_trunc('second', {alias}.last_seen_at)) AS BIGINT)"
            f" - CAST(EXTRACT(EPOCH FROM date_trunc('second', {alias}.started_at)) AS BIGINT))"
        )
    return (
        f"(CAST(strftime('%s', {alias}.last_seen_at) AS INTEGER)"
        f" - CAST(strftime('%s', {alias}.started_at) AS INTEGER))"
    )


def bucket_sql(unit: str, alias: str = "v") -> str:
    """The text of a visit's start day ('YYYY-MM-DD'), hour ('YYYY-MM-DD HH') or month."""
    if _postgres():
        pattern = {"day": "YYYY-MM-DD", "hour": "YYYY-MM-DD HH24", "month": "YYYY-MM"}[unit]
        return f"to_char({alias}.started_at, '{pattern}')"
    length = {"day": 10, "hour": 13, "month": 7}[unit]
    return f"substr({alias}.started_at, 1, {length})"


def parse_bucket(text: str) -> datetime.date | datetime.datetime:
    """A bucket_sql value back as a date (day, month: its first day) or datetime (hour)."""
    if len(text) == 13:
        return datetime.datetime.fromisoformat(text[:10] + "T" + text[11:13] + ":00")
    if len(text) == 7:
        return datetime.date.fromisoformat(text + "-01")
    return datetime.date.fromisoformat(text)


def visit_filter_sql(
    filters: Filters, start: datetime.datetime, end: datetime.datetime
) -> tuple[str, list[object]]:
    """WHERE clause (on visit alias v) of visits started in [start, end) passing the filters."""
    clauses = ["v.started_at >= ?", "v.started_at < ?"]
    params: list[object] = [start, end]
    for name, value in filters.active().items():
        if name == "page":
            clauses.append(
                "EXISTS (SELECT 1 FROM event p WHERE p.visit_id = v.id"
                " AND p.type = 'pageview' AND p.path = ?)"
            )
        else:
            clauses.append(f"v.{FILTER_COLUMNS[name]} = ?")
        params.append(value)
    return " AND ".join(clauses), params


def visit_stats_cte(
    filters: Filters,
    start: datetime.datetime,
    end: datetime.datetime,
    columns: Iterable[str] = (),
) -> tuple[str, list[object]]:
    """WITH vs: one row per visit in range passing the filters, with its per-visit figures."""
    where, params = visit_filter_sql(filters, start, end)
    extra = "".join(f", v.{column}" for column in columns)
    sql = (
        "WITH vs AS (SELECT v.id, v.visitor_id, v.started_at"  # noqa: S608
        + extra
        + ", "
        + duration_sql("v")
        + " AS duration,"
        " COALESCE(SUM(CASE WHEN e.type = 'pageview' THEN 1 ELSE 0 END), 0) AS pageviews,"
        " COALESCE(SUM(CASE WHEN e.type = 'click' THEN 1 ELSE 0 END), 0) AS clicks,"
        " COALESCE(SUM(e.engaged_ms), 0) AS engaged_ms,"
        " COALESCE(MAX(CASE WHEN e.type = 'conversion' THEN 1 ELSE 0 END), 0) AS converted"
        " FROM visit v LEFT JOIN event e ON e.visit_id = v.id"
        # grouping by the start first lets SQLite walk the started_at index instead of
        # scanning every visit in id order
        " WHERE " + where + " GROUP BY v.started_at, v.id) "
    )
    return sql, params


BOUNCE_SQL = "CASE WHEN vs.pageviews = 1 AND vs.clicks = 0 THEN 1 ELSE 0 END"
MEASURES_SQL = (
    "COUNT(*), SUM(vs.pageviews), SUM(" + BOUNCE_SQL + "), SUM(vs.duration),"
    " SUM(vs.engaged_ms), SUM(vs.converted)"
)


# ------------------------------------------------------------------------------ clicks


def is_outbound(target: str) -> bool:
    """The collector keeps our own targets as a path, external ones as host + path."""
    if not target or target.startswith("/"):
        return False
    host = target.split("/", 1)[0]
    return "." in host and ":" not in host and " " not in host and "@" not in host


def is_download(target: str) -> bool:
    """A click on a document: the path ends in a document extension."""
    path = target.split("?", 1)[0].split("#", 1)[0].lower()
    return path.endswith(DOCUMENT_EXTENSIONS) and (path.startswith("/") or is_outbound(path))


def click_kinds(target: str) -> tuple[str, ...]:
    """The click kinds a click on ``target`` counts in: always "click", maybe more."""
    kinds = ["click"]
    if is_download(target):
        kinds.append("download")
    if is_outbound(target):
        kinds.append("outbound")
    return tuple(kinds)
