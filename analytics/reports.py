"""The dashboard's reports: key figures, time series, dimension tables, clicks, visitors now.

Definitions (docs/ARCHITECTURE.md): a visit belongs to the UTC day (hour, month) of its start;
a bounce is a visit with exactly one page view and no click; a visit's duration is its last
event minus its first, in whole seconds (both times truncated to the second); unique visitors
are distinct visitor ids; a converted visit has an event of type "conversion".

Days up to the rollups' ``through`` day are read from the rollup tables (analytics.rollups);
later days (today, and whatever the periodic task has not reached yet) are aggregated from the
raw visit and event tables, and the two parts are added up. Two or three filters at once read
the rollups' cube (rows keyed on every filter value at once, analytics.rollup_models), except a
one-day period, whose hourly series is aggregated from the raw tables. Every function takes
``raw=True`` to compute each report with plain SQL on the raw tables instead (the benchmark and
the property test compare the two).

A filter value that no visit of the period has (``?page=/finns-inte``, a country never seen) is
settled from the rollups' index and one probe of the raw tail, and every report is empty without
reading the raw tables. Under a time budget (``analytics.db.time_budget``, the dashboard's
views) each raw statement on PostgreSQL gets what is left of the budget as its
``statement_timeout``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import peewee

from . import clock, hll, rollups
from .clickhouse import client as clickhouse
from .clickhouse import reports as clickhouse_reports
from .models import Event
from .querying import (
    BOUNCE_SQL,
    CLICK_KINDS,
    DEVICES,
    DIMENSIONS,
    DOCUMENT_EXTENSIONS,
    EARLIEST_DAY,
    FILTER_COLUMNS,
    FILTERS,
    MAX_FILTER_LENGTH,
    MAX_SPAN_DAYS,
    MEASURES,
    MEASURES_SQL,
    PERIOD_DAYS,
    PERIODS,
    VISIT_COLUMNS,
    Filters,
    Period,
    Row,
    Summary,
    add_measures,
    bucket_sql,
    buckets,
    click_kinds,
    duration_sql,
    is_download,
    is_outbound,
    parse_bucket,
    query,
    sorted_clicks,
    sorted_rows,
    sql_value,
    visit_filter_sql,
    visit_stats_cte,
    visitor_hash,
)
from .rollup_models import RollupDay
from .rollups import rolled_until

LIVE_WINDOW = datetime.timedelta(minutes=30)


# ------------------------------------------------------------------------------ raw reports


class Raw:
    """Reports straight from the visit and event tables, for days [start, end)."""

    @staticmethod
    def summary(
        filters: Filters, start: datetime.datetime, end: datetime.datetime
    ) -> tuple[int, list[Any]]:
        """(distinct visitors, measures)."""
        cte, params = visit_stats_cte(filters, start, end)
        row = query(
            cte + "SELECT COUNT(DISTINCT vs.visitor_id), " + MEASURES_SQL + " FROM vs",  # noqa: S608
            params,
        )[0]
        return int(row[0] or 0), list(row[1:])

    @staticmethod
    def series(
        unit: str, filters: Filters, start: datetime.datetime, end: datetime.datetime
    ) -> dict[datetime.date | datetime.datetime, tuple[int, list[Any]]]:
        """{bucket: (distinct visitors, measures)}."""
        cte, params = visit_stats_cte(filters, start, end)
        bucket = bucket_sql(unit, "vs")
        rows = query(
            cte  # noqa: S608
            + f"SELECT {bucket}, COUNT(DISTINCT vs.visitor_id), "
            + MEASURES_SQL
            + f" FROM vs GROUP BY {bucket}",
            params,
        )
        return {parse_bucket(row[0]): (int(row[1]), list(row[2:])) for row in rows}

    @staticmethod
    def table(
        dimension: str, filters: Filters, start: datetime.datetime, end: datetime.datetime
    ) -> dict[str, list[Any]]:
        """{key: measures} of every key."""
        if dimension == "page":
            cte, params = visit_stats_cte(filters, start, end)
            rows = query(
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
            cte, params = visit_stats_cte(filters, start, end, [column])
            rows = query(
                cte + f"SELECT vs.{column}, " + MEASURES_SQL + f" FROM vs GROUP BY vs.{column}",  # noqa: S608
                params,
            )
        return {row[0]: list(row[1:]) for row in rows}

    @staticmethod
    def clicks(
        filters: Filters, start: datetime.datetime, end: datetime.datetime
    ) -> dict[str, dict[str, int]]:
        """{kind: {key: count}}."""
        where, params = visit_filter_sql(filters, start, end)
        rows = query(
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


# ------------------------------------------------------------------------------ sources


def _matches_nothing(
    active: Mapping[str, str], period: Period, split: datetime.datetime | None
) -> bool:
    """Whether a filter's value has no visit in the period: then every report is empty.

    Answered from the rollups' own index (a single filter's rows per day, ``filter, value,
    day``) and, for the days not rolled up yet, one probe of the raw visits started in that
    tail. Without it a value that matches nothing -- a mistyped page, a country never seen --
    sent the reports to the raw tables: on PostgreSQL the page filter's EXISTS became a scan of
    the whole event table, once per report, past gunicorn's timeout at millions of events.
    """
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
            where, params = visit_filter_sql(Filters(**{name: value}), tail_start, end)
            if query("SELECT 1 FROM visit v WHERE " + where + " LIMIT 1", params):  # noqa: S608
                continue
        return True
    return False


class _Sources:
    """Where a period's figures come from: rollups up to their last day, then a raw tail.

    With ``raw=True`` every report is one SQL query on the raw tables (``self.sql``: the
    reference the property test and the benchmark compare with). Otherwise the rolled-up days
    are read from the rollup tables (the cube for several filters) and the tail (today, what the
    periodic task has not reached yet, or the whole period without rollups or a one-day period
    with several filters) is aggregated in memory from three queries on the raw tables, once, by
    the same code that builds rollups.
    """

    def __init__(self, period: Period, filters: Filters, raw: bool):
        active = filters.active()
        self.period, self.filters = period, filters
        self.variant = next(iter(active.items()), ("", ""))
        # two or three filters at once read the cube (analytics.rollup_models._Cube)
        self.cube = len(active) > 1
        self.sql = raw
        self.rolled: Period | None = None
        self.tail: tuple[datetime.datetime, datetime.datetime] | None = None
        self._aggregate: rollups.Aggregate | None = None
        if self.sql:
            return
        start, end = period.bounds()
        split = rolled_until()
        if active and _matches_nothing(active, period, split):
            return  # neither rolled days nor a tail: every report is empty, nothing is scanned
        # the cube is kept per day, so a one-day period with several filters (its series is
        # per hour) is read raw: one day's visits passing all the filters
        if self.cube and period.unit == "hour":
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
    def aggregate(self) -> rollups.Aggregate:
        if self._aggregate is None:
            assert self.tail is not None  # only a period with a raw tail aggregates
            self._aggregate = rollups.Aggregate(*self.tail, filters=self.filters)
        return self._aggregate

    def _read_summary(self, period: Period) -> tuple[hll.VisitorUnion, list[int]]:
        if self.cube:
            return rollups.read_cube_summary(period, self.filters)
        return rollups.read_summary(period, *self.variant)

    def summary(self) -> Summary:
        result = Summary()
        if self.sql:
            result.visitors, measures = Raw.summary(self.filters, *self.period.bounds())
            add_measures(result, measures)
            return result
        union = hll.VisitorUnion()
        if self.rolled is not None:
            union, measures = self._read_summary(self.rolled)
            add_measures(result, measures)
        if self.tail is not None:
            measures, hashes = self.aggregate.summary()
            add_measures(result, measures)
            union.add_hashes(hashes)
        # an estimate (large periods) may not exceed the visits: each visitor made at least one
        result.visitors = min(len(union), result.visits)
        return result

    def timeseries(self) -> list[tuple[datetime.date | datetime.datetime, Summary]]:
        unit = self.period.unit
        points = {bucket: Summary() for bucket in buckets(self.period)}
        if self.sql:
            for bucket, (count, measures) in Raw.series(
                unit, self.filters, *self.period.bounds()
            ).items():
                points[bucket].visitors = count
                add_measures(points[bucket], measures)
            return list(points.items())
        rolled: dict[Any, Any] = {}
        if self.rolled is not None and self.cube:
            rolled = rollups.read_cube_series(unit, self.rolled, self.filters)
        elif self.rolled is not None:
            rolled = rollups.read_series(unit, self.rolled, *self.variant)
        tail = self.aggregate.series(unit) if self.tail else {}
        for bucket, (_visitors, measures) in rolled.items():
            add_measures(points[bucket], measures)
        for bucket, (hashes, measures) in tail.items():
            add_measures(points[bucket], measures)
            if bucket not in rolled:
                points[bucket].visitors = len(hashes)
        for bucket, (visitors, _measures) in rolled.items():
            if bucket in tail:
                # a day or month on both sides of the split: its visitors are a union
                if isinstance(visitors, int):
                    assert self.rolled is not None  # ``rolled`` is empty without rolled days
                    visitors = self._read_summary(
                        Period(max(bucket, self.period.first), self.rolled.last)
                    )[0]
                visitors.add_hashes(tail[bucket][0])
            if not isinstance(visitors, int):
                # an estimate may not exceed the visits: each visitor made at least one
                visitors = min(len(visitors), points[bucket].visits)
            points[bucket].visitors = visitors
        return list(points.items())

    def tables(self, dimensions: Iterable[str]) -> dict[str, dict[str, list[Any]]]:
        """{dimension: {key: measures}} of every key."""
        dimensions = list(dimensions)
        if self.sql:
            return {
                dimension: Raw.table(dimension, self.filters, *self.period.bounds())
                for dimension in dimensions
            }
        found: dict[str, dict[str, list[Any]]] = {dimension: {} for dimension in dimensions}
        if self.rolled is not None:
            only = dimensions[0] if len(dimensions) == 1 else None
            if self.cube:
                rolled = rollups.read_cube_tables(self.rolled, self.filters, only)
            else:
                rolled = rollups.read_tables(self.rolled, *self.variant, only)
            for dimension, rows in rolled.items():
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
        found: dict[str, dict[str, int]] = {kind: {} for kind in CLICK_KINDS}
        if self.rolled is not None and self.cube:
            found = rollups.read_cube_clicks(self.rolled, self.filters)
        elif self.rolled is not None:
            found = rollups.read_clicks(self.rolled, *self.variant)
        if self.tail is not None:
            for kind, counts in self.aggregate.click_counts().items():
                for key, count in counts.items():
                    found[kind][key] = found[kind].get(key, 0) + count
        return found


# ------------------------------------------------------------------------------ the API


# With ANALYTICS_STORE naming ClickHouse every report is answered there instead
# (analytics.clickhouse.reports: no rollups, the engine aggregates the raw rows; ``raw`` changes
# nothing there).


def summary(period: Period, filters: Filters, *, raw: bool = False) -> Summary:
    """Key figures of the period."""
    if clickhouse.active():
        return clickhouse_reports.summary(period, filters)
    return _Sources(period, filters, raw).summary()


def timeseries(
    period: Period, filters: Filters, *, raw: bool = False
) -> list[tuple[datetime.date | datetime.datetime, Summary]]:
    """One point per day; per hour for a one-day period; per month beyond 92 days."""
    if clickhouse.active():
        return clickhouse_reports.timeseries(period, filters)
    return _Sources(period, filters, raw).timeseries()


def table(
    dimension: str, period: Period, filters: Filters, limit: int = 100, *, raw: bool = False
) -> list[Row]:
    """The rows of one dimension, by visits (page views for "page") descending, then key."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if clickhouse.active():
        return clickhouse_reports.table(dimension, period, filters, limit)
    found = _Sources(period, filters, raw).tables([dimension])[dimension]
    return sorted_rows(dimension, found, limit)


def clicks(
    kind: str, period: Period, filters: Filters, limit: int = 100, *, raw: bool = False
) -> list[tuple[str, int]]:
    """(target or name, clicks) of one click kind, most clicked first."""
    if kind not in CLICK_KINDS:
        raise ValueError(f"unknown click kind {kind!r}")
    if clickhouse.active():
        return clickhouse_reports.clicks(kind, period, filters, limit)
    return sorted_clicks(_Sources(period, filters, raw).clicks(), limit)[kind]


def live_visitors(now: datetime.datetime) -> int:
    """Distinct visitors with an event in the 30 minutes up to ``now`` (naive UTC)."""
    if clickhouse.active():
        return clickhouse_reports.live_visitors(now)
    return (
        Event.select(peewee.fn.COUNT(Event.visitor_id.distinct()))
        .where(Event.occurred_at > now - LIVE_WINDOW, Event.occurred_at <= now)
        .scalar()
        or 0
    )


def dashboard(
    period: Period,
    filters: Filters,
    *,
    limit: int = 100,
    now: datetime.datetime | None = None,
    raw: bool = False,
) -> dict[str, Any]:
    """Everything one view of the dashboard shows (what the benchmark times).

    Keys: period, previous_period, filters, summary, previous (the previous period's summary),
    timeseries, tables ({dimension: [Row]}), clicks ({kind: [(key, n)]}), visitors_now.
    """
    if clickhouse.active():
        return clickhouse_reports.dashboard(period, filters, limit=limit, now=now)
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
            dimension: sorted_rows(dimension, tables[dimension], limit) for dimension in DIMENSIONS
        },
        "clicks": sorted_clicks(sources.clicks(), limit),
        "visitors_now": live_visitors(now or clock.now()),
    }


def change(current: float, previous: float) -> float | None:
    """Relative change current vs previous (0.25 = +25 %); None when previous is 0."""
    if not previous:
        return None
    return (current - previous) / previous


__all__ = [
    # the shared vocabulary (analytics.querying), also read from here by the dashboard
    "BOUNCE_SQL",
    "CLICK_KINDS",
    "DEVICES",
    "DIMENSIONS",
    "DOCUMENT_EXTENSIONS",
    "EARLIEST_DAY",
    "FILTERS",
    "FILTER_COLUMNS",
    "MAX_FILTER_LENGTH",
    "MAX_SPAN_DAYS",
    "MEASURES",
    "MEASURES_SQL",
    "PERIODS",
    "PERIOD_DAYS",
    "VISIT_COLUMNS",
    "Filters",
    "Period",
    "Row",
    "Summary",
    "bucket_sql",
    "click_kinds",
    "duration_sql",
    "is_download",
    "is_outbound",
    "parse_bucket",
    "sql_value",
    "visitor_hash",
    # the reports
    "change",
    "clicks",
    "dashboard",
    "live_visitors",
    "rolled_until",
    "summary",
    "table",
    "timeseries",
]
