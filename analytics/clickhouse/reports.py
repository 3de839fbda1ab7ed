"""The dashboard's reports from ClickHouse: the public functions of ``analytics.reports``, with
the same signatures, the same figures and the same shapes (``analytics.reports`` hands over to
these when ``client.active()``).

Definitions (docs/ARCHITECTURE.md, the docstring of ``analytics.reports``): a visit belongs to
the UTC day (hour, month) of its start; a bounce is a visit with exactly one page view and no
click; a visit's duration is its last event minus its first in whole seconds, both truncated
to the second; a converted visit has an event of type "conversion"; the page table counts a
row per visit and path with a page view. Unique visitors are ClickHouse's ``uniqCombined64``:
exact while a set is small, an estimate with about 1 % error at large counts (never above the
visits). There are no rollups: ClickHouse aggregates the raw rows of any period and any
filters directly, so every report reads the same tables whatever the period or filters.

Each visit row carries its own figures (page views, clicks, engaged time, converted, and per
path and per clicked target; the writer keeps them), so every report but "visitors now" reads
the visit table alone, without a join: the key figures of the period and of the one before
and the time series (GROUPING SETS), the 13 tables of visit columns (GROUPING SETS), the page
table and the clicks (ARRAY JOIN of the visit's paths and targets). The dashboard sends them
as one statement, a UNION ALL, whose branches ClickHouse runs side by side.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from .. import clock
from ..querying import (
    CLICK_KINDS,
    DIMENSIONS,
    FILTER_COLUMNS,
    VISIT_COLUMNS,
    Filters,
    Period,
    Row,
    Summary,
    add_measures,
    buckets,
    click_kinds,
    sorted_clicks,
    sorted_rows,
)
from . import client

LIVE_WINDOW = datetime.timedelta(minutes=30)
TIME = "DateTime64(3, 'UTC')"
# a visit's bucket as a number per row; as text only on the few grouped rows
BUCKET_SQL = {"day": "toStartOfDay", "hour": "toStartOfHour", "month": "toStartOfMonth"}
DURATION_SQL = "toInt64(toUnixTimestamp(last_seen_at)) - toInt64(toUnixTimestamp(started_at))"
# the measures of MEASURES over visit rows, in that order, as Int64 (every branch of the
# dashboard's UNION ALL has the same columns: label, key, extra, visitors, six measures)
MEASURES_SQL = (
    "toInt64(count()), toInt64(sum(pageviews)), toInt64(sum(pageviews = 1 AND clicks = 0)),"
    f" toInt64(sum({DURATION_SQL})), toInt64(sum(engaged_ms)), toInt64(sum(converted))"
)
NO_MEASURES = "toInt64(0), toInt64(0), toInt64(0), toInt64(0), toInt64(0), toInt64(0)"
SUMMARY = "summary"
SERIES = "series"
PREVIOUS = "previous"
PAGE = "page"
CLICK = "click"
LIVE = "live"

Statement = tuple[str, dict[str, object]]


def _where(
    filters: Filters, start: datetime.datetime, end: datetime.datetime, prefix: str = ""
) -> Statement:
    """WHERE of the visits (table ``visit``) started in [start, end) passing the filters
    (the bounds as parameters ``{prefix}start`` and ``{prefix}end``)."""
    clauses = [
        f"started_at >= {{{prefix}start:{TIME}}}",
        f"started_at < {{{prefix}end:{TIME}}}",
    ]
    params: dict[str, object] = {f"{prefix}start": start, f"{prefix}end": end}
    for name, value in filters.active().items():
        if name == "page":
            # a page view of the path in the visit
            clauses.append(
                "arrayExists((p, n) -> p = {f_page:String} AND n > 0, page_paths, page_views)"
            )
        else:
            clauses.append(f"{FILTER_COLUMNS[name]} = {{f_{name}:String}}")
        params[f"f_{name}"] = value
    return " AND ".join(clauses), params


# ------------------------------------------------------------------------------ statements
# Each returns one SELECT whose rows are (label, key, extra, visitors, *MEASURES): the
# dashboard runs them as one UNION ALL (one round trip; ClickHouse runs the branches side by
# side), the single reports each on its own.


def _figures_sql(period: Period, filters: Filters, series: bool, previous: bool) -> Statement:
    """Summary (label "summary"), the series (label "series", key the bucket) and, with
    ``previous``, the previous period's summary (label "previous")."""
    start, end = period.bounds()
    first = period.previous().bounds()[0] if previous else start
    where, params = _where(filters, first, end, "f_")
    params["split"] = start
    # seconds since the epoch of the bucket's start (UTC), 0 for none
    bucket = (
        f"toUInt32(toDateTime({BUCKET_SQL[period.unit]}(started_at), 'UTC'))" if series else "0"
    )
    sql = (
        f"SELECT multiIf(grouping(b) = 0, '{SERIES}', cur, '{SUMMARY}', '{PREVIOUS}'),"  # noqa: S608
        " if(grouping(b) = 0 AND b != 0, toString(toDateTime(b, 'UTC')), ''), '',"
        " toUInt64(uniqCombined64(visitor_id)), "
        + MEASURES_SQL
        + f" FROM (SELECT visitor_id, started_at, last_seen_at, pageviews, clicks, engaged_ms,"  # noqa: S608
        f" converted, started_at >= {{split:{TIME}}} AS cur, if(cur, {bucket}, toUInt32(0)) AS b"
        f" FROM visit FINAL WHERE {where}) GROUP BY GROUPING SETS ((cur), (b))"
    )
    return sql, params


def _visit_tables(
    period: Period, filters: Filters, dimensions: Sequence[str]
) -> dict[str, dict[str, list[Any]]]:
    """{dimension: {key: measures}} of the tables of visit columns: one GROUPING SETS
    statement for all of them (with ``group_by_use_nulls`` a row's one non-NULL column names
    its set: the columns themselves are never NULL)."""
    start, end = period.bounds()
    where, params = _where(filters, start, end, "t_")
    columns = [VISIT_COLUMNS[dimension] for dimension in dimensions]
    rows = client.query(
        f"SELECT {', '.join(columns)}, "  # noqa: S608 - bound parameters
        + MEASURES_SQL
        + f" FROM (SELECT {', '.join(columns)}, started_at, last_seen_at, pageviews, clicks,"  # noqa: S608
        f" engaged_ms, converted FROM visit FINAL WHERE {where})"
        f" GROUP BY GROUPING SETS ({', '.join(f'({column})' for column in columns)})",
        params,
        {"group_by_use_nulls": 1},
    )
    found: dict[str, dict[str, list[Any]]] = {dimension: {} for dimension in dimensions}
    count = len(columns)
    for row in rows:
        keys, measures = row[:count], list(row[count:])
        index = next(i for i, key in enumerate(keys) if key is not None)
        found[dimensions[index]][keys[index]] = measures
    return found


def _page_sql(period: Period, filters: Filters) -> Statement:
    """The page table (label "page"): a row per visit and path with a page view."""
    start, end = period.bounds()
    where, params = _where(filters, start, end, "p_")
    sql = (
        f"SELECT '{PAGE}', toString(path), '', toUInt64(0), toInt64(count()),"  # noqa: S608
        " toInt64(sum(pv)), toInt64(sum(pageviews = 1 AND clicks = 0)),"
        f" toInt64(sum({DURATION_SQL})), toInt64(sum(eng)), toInt64(sum(converted))"
        " FROM (SELECT started_at, last_seen_at, pageviews, clicks, converted, page_paths,"
        f" page_views, page_engaged FROM visit FINAL WHERE {where})"
        " ARRAY JOIN page_paths AS path, page_views AS pv, page_engaged AS eng"
        " WHERE pv > 0 GROUP BY path"
    )
    return sql, params


def _clicks_sql(period: Period, filters: Filters) -> Statement:
    """Clicks per target and label (label "click", key the target, extra the label)."""
    start, end = period.bounds()
    where, params = _where(filters, start, end, "c_")
    sql = (
        f"SELECT '{CLICK}', toString(target), toString(name), toUInt64(0),"  # noqa: S608
        " toInt64(sum(n)), toInt64(0), toInt64(0), toInt64(0), toInt64(0), toInt64(0)"
        " FROM (SELECT click_targets, click_names, click_counts FROM visit FINAL"
        f" WHERE {where} AND clicks > 0)"
        " ARRAY JOIN click_targets AS target, click_names AS name, click_counts AS n"
        " GROUP BY target, name"
    )
    return sql, params


def _live_sql(now: datetime.datetime) -> Statement:
    """Distinct visitors with an event in the 30 minutes up to ``now`` (label "live")."""
    sql = (
        f"SELECT '{LIVE}', '', '', toUInt64(uniqCombined64(visitor_id)), {NO_MEASURES}"  # noqa: S608
        f" FROM event WHERE occurred_at > {{l_start:{TIME}}} AND occurred_at <= {{l_now:{TIME}}}"
    )
    return sql, {"l_start": now - LIVE_WINDOW, "l_now": now}


def _run(*statements: Statement) -> list[tuple[Any, ...]]:
    params: dict[str, object] = {}
    for _sql, own in statements:
        params.update(own)
    return client.query(" UNION ALL ".join(sql for sql, _own in statements), params)


# ------------------------------------------------------------------------------ the answers


class _Answer:
    """The rows of the statements, sorted into the dashboard's figures."""

    def __init__(self, period: Period, rows: Iterable[tuple[Any, ...]]):
        self.period = period
        self.summary, self.previous = Summary(), Summary()
        self.series: dict[str, tuple[int, list[Any]]] = {}
        self.tables: dict[str, dict[str, list[Any]]] = {dimension: {} for dimension in DIMENSIONS}
        self.clicks: dict[str, dict[str, int]] = {kind: {} for kind in CLICK_KINDS}
        self.live = 0
        for label, key, extra, visitors, *measures in rows:
            if label in (SUMMARY, PREVIOUS):
                target = self.summary if label == SUMMARY else self.previous
                add_measures(target, measures)
                # an estimate may not exceed the visits: each visitor made at least one
                target.visitors = min(int(visitors), target.visits)
            elif label == SERIES:
                if key:
                    self.series[key] = (min(int(visitors), int(measures[0])), measures)
            elif label == CLICK:
                for kind in click_kinds(key):
                    counts = self.clicks[kind]
                    counts[key or extra] = counts.get(key or extra, 0) + int(measures[0])
            elif label == LIVE:
                self.live = int(visitors)
            elif label in self.tables:
                self.tables[label][key] = measures

    def timeseries(self) -> list[tuple[datetime.date | datetime.datetime, Summary]]:
        points = {bucket: Summary() for bucket in buckets(self.period)}
        for key, (visitors, measures) in self.series.items():
            point = points[_bucket(self.period.unit, key)]
            point.visitors = visitors
            add_measures(point, measures)
        return list(points.items())


def _bucket(unit: str, text: str) -> datetime.date | datetime.datetime:
    """A bucket as ClickHouse writes the start of its day, hour or month ("2026-11-05
    13:00:00") as the dashboard's key: a date (day, month) or a datetime (hour)."""
    if unit == "hour":
        return datetime.datetime.fromisoformat(text[:13] + ":00")
    return datetime.date.fromisoformat(text[:10])


# ------------------------------------------------------------------------------ the API


def summary(period: Period, filters: Filters) -> Summary:
    """Key figures of the period."""
    return _Answer(period, _run(_figures_sql(period, filters, False, False))).summary


def timeseries(
    period: Period, filters: Filters
) -> list[tuple[datetime.date | datetime.datetime, Summary]]:
    """One point per day; per hour for a one-day period; per month beyond 92 days."""
    return _Answer(period, _run(_figures_sql(period, filters, True, False))).timeseries()


def table(dimension: str, period: Period, filters: Filters, limit: int = 100) -> list[Row]:
    """The rows of one dimension, by visits (page views for "page") descending, then key."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if dimension == PAGE:
        found = _Answer(period, _run(_page_sql(period, filters))).tables[PAGE]
    else:
        found = _visit_tables(period, filters, [dimension])[dimension]
    return sorted_rows(dimension, found, limit)


def clicks(kind: str, period: Period, filters: Filters, limit: int = 100) -> list[tuple[str, int]]:
    """(target or name, clicks) of one click kind, most clicked first."""
    if kind not in CLICK_KINDS:
        raise ValueError(f"unknown click kind {kind!r}")
    return sorted_clicks(_Answer(period, _run(_clicks_sql(period, filters))).clicks, limit)[kind]


def live_visitors(now: datetime.datetime) -> int:
    """Distinct visitors with an event in the 30 minutes up to ``now`` (naive UTC)."""
    return _Answer(Period(now.date(), now.date()), _run(_live_sql(now))).live


def dashboard(
    period: Period,
    filters: Filters,
    *,
    limit: int = 100,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Everything one view of the dashboard shows, as ``analytics.reports.dashboard``:
    two statements (the tables of visit columns; a UNION ALL of the figures, the page table,
    the clicks and the visitors now)."""
    answer = _Answer(
        period,
        _run(
            _figures_sql(period, filters, True, True),
            _page_sql(period, filters),
            _clicks_sql(period, filters),
            _live_sql(now or clock.now()),
        ),
    )
    answer.tables.update(_visit_tables(period, filters, [d for d in DIMENSIONS if d != PAGE]))
    return {
        "period": period,
        "previous_period": period.previous(),
        "filters": filters,
        "summary": answer.summary,
        "previous": answer.previous,
        "timeseries": answer.timeseries(),
        "tables": {
            dimension: sorted_rows(dimension, answer.tables[dimension], limit)
            for dimension in DIMENSIONS
        },
        "clicks": sorted_clicks(answer.clicks, limit),
        "visitors_now": answer.live,
    }
