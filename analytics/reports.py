"""The dashboard's reports: key figures, time series, dimension tables, clicks, visitors now.

Definitions (docs/ARCHITECTURE.md): a visit belongs to the UTC day (hour, month) of its start;
a bounce is a visit with exactly one page view and no click; a visit's duration is its last
event minus its first, in whole seconds (both times truncated to the second); unique visitors
are distinct visitor ids; a converted visit has an event of type "conversion".

Days up to the rollups' ``through`` day are read from the rollup tables (analytics.rollups);
later days (today, and whatever the periodic task has not reached yet) are aggregated from the
raw visit and event tables, and the two parts are added up. Several filters at once have no
rollup: the whole period is aggregated from the raw tables. Every function takes ``raw=True``
to compute each report with plain SQL on the raw tables instead (the benchmark and the property
test compare the two).

A filter value that no visit of the period has (``?page=/finns-inte``, a country never seen) is
settled from the rollups' index and one probe of the raw tail, and every report is empty without
reading the raw tables. Under a time budget (``analytics.db.time_budget``, the dashboard's
views) each raw statement on PostgreSQL gets what is left of the budget as its
``statement_timeout``.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import peewee

from .db import database, remaining_ms
from .models import Event

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
CLICK_KINDS = ("click", "download", "outbound")
PERIODS = ("today", "7d", "30d", "90d", "12m", "custom")
PERIOD_DAYS = {"today": 1, "7d": 7, "30d": 30, "90d": 90, "12m": 365}
MAX_SPAN_DAYS = 731
# nothing was measured before the site existed; also keeps previous() far from date.min
EARLIEST_DAY = datetime.date(2000, 1, 1)
LIVE_WINDOW = datetime.timedelta(minutes=30)
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
    if name == "device" and value not in ("desktop", "mobile", "tablet"):
        raise ValueError("a device is desktop, mobile or tablet")
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


def _add(target, values: Iterable) -> None:
    for name, value in zip(MEASURES, values, strict=True):
        setattr(target, name, getattr(target, name) + int(value or 0))


def visitor_hash(visitor_id: str) -> int:
    """A visitor id as a signed 64-bit number: what the rollups keep of visitors per day."""
    digest = hashlib.blake2b(visitor_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


# ------------------------------------------------------------------------------ SQL helpers


def _db() -> peewee.Database:
    return database.obj


def _postgres() -> bool:
    return isinstance(_db(), peewee.PostgresqlDatabase)


def sql_value(value):
    """A parameter as the database stores it: SQLite keeps dates and times as ISO text
    (what peewee writes), formatted here instead of by sqlite3's deprecated default adapters."""
    if isinstance(value, datetime.date) and not _postgres():
        return value.isoformat(" ") if isinstance(value, datetime.datetime) else value.isoformat()
    return value


def _query(sql: str, params: Iterable = ()) -> list[tuple]:
    db = _db()
    if db.param != "?":
        sql = sql.replace("?", db.param)
    left = remaining_ms()  # TooHeavy when a time budget is already spent
    if left is not None and _postgres():
        # what is left of the budget for this statement, in the same round trip: the page's
        # statements together stay within it, not each one on its own
        sql = f"SET LOCAL statement_timeout = {left}; " + sql
    return db.execute_sql(sql, tuple(sql_value(value) for value in params)).fetchall()


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


def _visit_filter_sql(filters: Filters, start, end) -> tuple[str, list]:
    """WHERE clause (on visit alias v) of visits started in [start, end) passing the filters."""
    clauses, params = ["v.started_at >= ?", "v.started_at < ?"], [start, end]
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


def _visit_stats_cte(filters: Filters, start, end, columns: Iterable[str] = ()) -> tuple[str, list]:
    """WITH vs: one row per visit in range passing the filters, with its per-visit figures."""
    where, params = _visit_filter_sql(filters, start, end)
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


# ------------------------------------------------------------------------------ raw reports


class Raw:
    """Reports straight from the visit and event tables, for days [start, end)."""

    @staticmethod
    def summary(filters: Filters, start, end) -> tuple[int, list]:
        """(distinct visitors, measures)."""
        cte, params = _visit_stats_cte(filters, start, end)
        row = _query(
            cte + "SELECT COUNT(DISTINCT vs.visitor_id), " + MEASURES_SQL + " FROM vs",  # noqa: S608
            params,
        )[0]
        return int(row[0] or 0), list(row[1:])

    @staticmethod
    def series(unit: str, filters: Filters, start, end) -> dict:
        """{bucket: (distinct visitors, measures)}."""
        cte, params = _visit_stats_cte(filters, start, end)
        bucket = bucket_sql(unit, "vs")
        rows = _query(
            cte  # noqa: S608
            + f"SELECT {bucket}, COUNT(DISTINCT vs.visitor_id), "
            + MEASURES_SQL
            + f" FROM vs GROUP BY {bucket}",
            params,
        )
        return {parse_bucket(row[0]): (int(row[1]), list(row[2:])) for row in rows}

    @staticmethod
    def table(dimension: str, filters: Filters, start, end) -> dict[str, list]:
        """{key: measures} of every key."""
        if dimension == "page":
            cte, params = _visit_stats_cte(filters, start, end)
            rows = _query(
                cte + ", pp AS (SELECT e.visit_id, e.path,"  # noqa: S608
                " SUM(CASE WHEN e.type = 'pageview' THEN 1 ELSE 0 END) AS pv,"
                " SUM(e.engaged_ms) AS eng FROM event e JOIN vs ON vs.id = e.visit_id"
                " GROUP BY e.visit_id, e.path)"
                " SELECT pp.path, COUNT(*), SUM(pp.pv), SUM(" + BOUNCE_SQL + "),"
                " SUM(vs.duration), SUM(pp.eng), SUM(vs.converted)"
                " FROM pp JOIN vs ON vs.id = pp.visit_id WHERE pp.pv > 0 GROUP BY pp.path",
                params,
            )
        else:
            column = VISIT_COLUMNS[dimension]
            cte, params = _visit_stats_cte(filters, start, end, [column])
            rows = _query(
                cte + f"SELECT vs.{column}, " + MEASURES_SQL + f" FROM vs GROUP BY vs.{column}",  # noqa: S608
                params,
            )
        return {row[0]: list(row[1:]) for row in rows}

    @staticmethod
    def clicks(filters: Filters, start, end) -> dict[str, dict[str, int]]:
        """{kind: {key: count}}."""
        where, params = _visit_filter_sql(filters, start, end)
        rows = _query(
            "SELECT e.target, e.name, COUNT(*) FROM event e JOIN visit v ON v.id = e.visit_id"  # noqa: S608
            " WHERE e.type = 'click' AND " + where + " GROUP BY e.target, e.name",
            params,
        )
        found: dict[str, dict[str, int]] = {kind: {} for kind in CLICK_KINDS}
        for target, name, count in rows:
            key = target or name
            for kind in click_kinds(target):
                found[kind][key] = found[kind].get(key, 0) + int(count)
        return found


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


# ------------------------------------------------------------------------------ sources


def rolled_until() -> datetime.datetime | None:
    """Visits started before this moment are in the rollups (None: nothing rolled up yet)."""
    from .rollups import rolled_until as until

    return until()


def _matches_nothing(active: Mapping[str, str], period: Period, split) -> bool:
    """Whether a filter's value has no visit in the period: then every report is empty.

    Answered from the rollups' own index (a single filter's rows per day, ``filter, value,
    day``) and, for the days not rolled up yet, one probe of the raw visits started in that
    tail. Without it a value that matches nothing -- a mistyped page, a country never seen --
    sent the reports to the raw tables: on PostgreSQL the page filter's EXISTS became a scan of
    the whole event table, once per report, past gunicorn's timeout at millions of events.
    """
    from .rollup_models import RollupDay

    start, end = period.bounds()
    tail_start = start
    if split is not None and split > start:
        last = min(period.last, (split - datetime.timedelta(microseconds=1)).date())
        tail_start = min(split, end)
    for name, value in active.items():
        if tail_start > start and (
            RollupDay.select(RollupDay.id)
            .where(
                RollupDay.filter == name,
                RollupDay.value == value,
                RollupDay.day >= period.first,
                RollupDay.day <= last,
            )
            .exists()
        ):
            continue
        if tail_start < end:
            where, params = _visit_filter_sql(Filters(**{name: value}), tail_start, end)
            if _query("SELECT 1 FROM visit v WHERE " + where + " LIMIT 1", params):  # noqa: S608
                continue
        return True
    return False


class _Sources:
    """Where a period's figures come from: rollups up to their last day, then a raw tail.

    With ``raw=True`` every report is one SQL query on the raw tables (``self.sql``: the
    reference the property test and the benchmark compare with). Otherwise the rolled-up days
    are read from the rollup tables and the tail (today, what the periodic task has not reached
    yet, or the whole period without rollups or with several filters at once) is aggregated in
    memory from three queries on the raw tables, once, by the same code that builds rollups.
    """

    def __init__(self, period: Period, filters: Filters, raw: bool):
        active = filters.active()
        self.period, self.filters = period, filters
        self.variant = next(iter(active.items()), ("", ""))
        self.sql = raw
        self.rolled: Period | None = None
        self.tail: tuple[datetime.datetime, datetime.datetime] | None = None
        self._aggregate = None
        if self.sql:
            return
        start, end = period.bounds()
        split = rolled_until()
        if active and _matches_nothing(active, period, split):
            return  # neither rolled days nor a tail: every report is empty, nothing is scanned
        # several filters at once have no rollup: the whole period is a "tail"
        if len(active) > 1:
            split = None
        if split is None or split <= start:
            self.tail = (start, end)
        elif split >= end:
            self.rolled = period
        else:
            last = (split - datetime.timedelta(microseconds=1)).date()
            self.rolled = Period(period.first, last)
            self.tail = (split, end)

    @property
    def aggregate(self):
        if self._aggregate is None:
            from .rollups import Aggregate

            self._aggregate = Aggregate(*self.tail, filters=self.filters)
        return self._aggregate

    def summary(self) -> Summary:
        result = Summary()
        if self.sql:
            result.visitors, measures = Raw.summary(self.filters, *self.period.bounds())
            _add(result, measures)
            return result
        from . import hll, rollups

        union = hll.VisitorUnion()
        if self.rolled is not None:
            union, measures = rollups.read_summary(self.rolled, *self.variant)
            _add(result, measures)
        if self.tail is not None:
            measures, hashes = self.aggregate.summary()
            _add(result, measures)
            union.add_hashes(hashes)
        # an estimate (large periods) may not exceed the visits: each visitor made at least one
        result.visitors = min(len(union), result.visits)
        return result

    def timeseries(self) -> list[tuple[datetime.date | datetime.datetime, Summary]]:
        unit = self.period.unit
        points = {bucket: Summary() for bucket in _buckets(self.period)}
        if self.sql:
            for bucket, (visitors, measures) in Raw.series(
                unit, self.filters, *self.period.bounds()
            ).items():
                points[bucket].visitors = visitors
                _add(points[bucket], measures)
            return list(points.items())
        from . import rollups

        rolled = rollups.read_series(unit, self.rolled, *self.variant) if self.rolled else {}
        tail = self.aggregate.series(unit) if self.tail else {}
        for bucket, (_visitors, measures) in rolled.items():
            _add(points[bucket], measures)
        for bucket, (hashes, measures) in tail.items():
            _add(points[bucket], measures)
            if bucket not in rolled:
                points[bucket].visitors = len(hashes)
        for bucket, (visitors, _measures) in rolled.items():
            if bucket in tail:
                # a day or month on both sides of the split: its visitors are a union
                if isinstance(visitors, int):
                    visitors = rollups.read_summary(
                        Period(max(bucket, self.period.first), self.rolled.last), *self.variant
                    )[0]
                visitors.add_hashes(tail[bucket][0])
            if not isinstance(visitors, int):
                # an estimate may not exceed the visits: each visitor made at least one
                visitors = min(len(visitors), points[bucket].visits)
            points[bucket].visitors = visitors
        return list(points.items())

    def tables(self, dimensions: Iterable[str]) -> dict[str, dict[str, list]]:
        """{dimension: {key: measures}} of every key."""
        dimensions = list(dimensions)
        if self.sql:
            return {
                dimension: Raw.table(dimension, self.filters, *self.period.bounds())
                for dimension in dimensions
            }
        from . import rollups

        found: dict[str, dict[str, list]] = {dimension: {} for dimension in dimensions}
        if self.rolled is not None:
            only = dimensions[0] if len(dimensions) == 1 else None
            for dimension, rows in rollups.read_tables(self.rolled, *self.variant, only).items():
                if dimension in found:
                    found[dimension] = rows
        if self.tail is not None:
            for dimension, rows in self.aggregate.tables().items():
                if dimension not in found:
                    continue
                target = found[dimension]
                for key, measures in rows.items():
                    if key in target:
                        target[key] = [a + b for a, b in zip(target[key], measures, strict=True)]
                    else:
                        target[key] = list(measures)
        return found

    def clicks(self) -> dict[str, dict[str, int]]:
        if self.sql:
            return Raw.clicks(self.filters, *self.period.bounds())
        from . import rollups

        found: dict[str, dict[str, int]] = {kind: {} for kind in CLICK_KINDS}
        if self.rolled is not None:
            found = rollups.read_clicks(self.rolled, *self.variant)
        if self.tail is not None:
            for kind, counts in self.aggregate.click_counts().items():
                for key, count in counts.items():
                    found[kind][key] = found[kind].get(key, 0) + count
        return found


def _buckets(period: Period) -> list:
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


def _sorted_rows(dimension: str, found: dict[str, list], limit: int) -> list[Row]:
    rows = []
    for key, measures in found.items():
        row = Row(key)
        _add(row, measures)
        rows.append(row)
    if dimension == "page":
        rows.sort(key=lambda row: (-row.pageviews, row.key))
    else:
        rows.sort(key=lambda row: (-row.visits, row.key))
    return rows[:limit]


def _sorted_clicks(found: dict[str, dict[str, int]], limit: int) -> dict[str, list]:
    return {
        kind: sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        for kind, counts in found.items()
    }


# ------------------------------------------------------------------------------ the API


def summary(period: Period, filters: Filters, *, raw: bool = False) -> Summary:
    """Key figures of the period."""
    return _Sources(period, filters, raw).summary()


def timeseries(
    period: Period, filters: Filters, *, raw: bool = False
) -> list[tuple[datetime.date | datetime.datetime, Summary]]:
    """One point per day; per hour for a one-day period; per month beyond 92 days."""
    return _Sources(period, filters, raw).timeseries()


def table(
    dimension: str, period: Period, filters: Filters, limit: int = 100, *, raw: bool = False
) -> list[Row]:
    """The rows of one dimension, by visits (page views for "page") descending, then key."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    found = _Sources(period, filters, raw).tables([dimension])[dimension]
    return _sorted_rows(dimension, found, limit)


def clicks(
    kind: str, period: Period, filters: Filters, limit: int = 100, *, raw: bool = False
) -> list[tuple[str, int]]:
    """(target or name, clicks) of one click kind, most clicked first."""
    if kind not in CLICK_KINDS:
        raise ValueError(f"unknown click kind {kind!r}")
    return _sorted_clicks(_Sources(period, filters, raw).clicks(), limit)[kind]


def live_visitors(now: datetime.datetime) -> int:
    """Distinct visitors with an event in the 30 minutes up to ``now`` (naive UTC)."""
    return (
        Event.select(peewee.fn.COUNT(Event.visitor_id.distinct()))
        .where(Event.occurred_at > now - LIVE_WINDOW, Event.occurred_at <= now)
        .scalar()
        or 0
    )


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def dashboard(
    period: Period,
    filters: Filters,
    *,
    limit: int = 100,
    now: datetime.datetime | None = None,
    raw: bool = False,
) -> dict:
    """Everything one view of the dashboard shows (what the benchmark times).

    Keys: period, previous_period, filters, summary, previous (the previous period's summary),
    timeseries, tables ({dimension: [Row]}), clicks ({kind: [(key, n)]}), visitors_now.
    """
    previous_period = period.previous()
    sources = _Sources(period, filters, raw)
    tables = sources.tables(DIMENSIONS)
    return {
        "period": period,
        "previous_period": previous_period,
        "filters": filters,
        "summary": sources.summary(),
        "previous": _Sources(previous_period, filters, raw).summary(),
        "timeseries": sources.timeseries(),
        "tables": {
            dimension: _sorted_rows(dimension, tables[dimension], limit) for dimension in DIMENSIONS
        },
        "clicks": _sorted_clicks(sources.clicks(), limit),
        "visitors_now": live_visitors(now or utcnow()),
    }


def change(current: float, previous: float) -> float | None:
    """Relative change current vs previous (0.25 = +25 %); None when previous is 0."""
    if not previous:
        return None
    return (current - previous) / previous


__all__ = [
    "CLICK_KINDS",
    "DIMENSIONS",
    "FILTERS",
    "Filters",
    "Period",
    "Row",
    "Summary",
    "change",
    "clicks",
    "dashboard",
    "live_visitors",
    "summary",
    "table",
    "timeseries",
]
