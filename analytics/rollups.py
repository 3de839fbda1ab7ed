"""Daily rollups of the dashboard's reports, maintained incrementally.

``run(now)`` recomputes each UTC day before ``now``'s day that is not rolled up yet or whose
visits received events since the previous run (found by event id), from the raw tables, and
replaces that day's rows. The current day is never rolled up: reports read it raw. The same
in-memory aggregation (``Aggregate``) builds a day's rows and answers reports for the raw tail,
so rollup and tail always agree; the property test compares both with straight SQL querying.

Known limits: a day whose raw events are deleted later (erasure of a user) keeps its counts until
an event arrives for it again; visitor hashes are 64-bit hashes of the pseudonymous visitor id.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, cast

import peewee
from flask import current_app, has_app_context
from peewee import fn

from . import clock, hll, querying
from .db import BaseModel, database
from .db import rows as tuple_rows
from .models import Event
from .querying import CLICK_KINDS, MEASURES, Period, Row
from .rollup_models import RollupClick, RollupDay, RollupDimension, RollupHour, RollupState

STATE = "reports"
DAY = datetime.timedelta(days=1)
# the visit-level dimensions in the order Aggregate reads their columns
VISIT_DIMENSIONS = tuple(querying.VISIT_COLUMNS)
FILTER_ORDER = tuple(querying.FILTER_COLUMNS)  # the single-valued filters; "page" is per path
BATCH = 500


def rolled_through() -> datetime.date | None:
    """The last whole day the rollup tables hold; None when nothing has been rolled up."""
    row = RollupState.select(RollupState.through).where(RollupState.name == STATE).tuples().first()
    return row[0] if row else None


def rolled_until() -> datetime.datetime | None:
    """Visits started before this moment are in the rollups; None: nothing rolled up."""
    row = (
        RollupState.select(RollupState.through, RollupState.until)
        .where(RollupState.name == STATE)
        .tuples()
        .first()
    )
    if not row or row[0] is None:
        return None
    whole_days = datetime.datetime.combine(row[0] + DAY, datetime.time())
    return max(row[1], whole_days) if row[1] else whole_days


def _zero() -> list[int]:
    return [0, 0, 0, 0, 0, 0]


def _add(target: list[int], values: Iterable[int]) -> None:
    for index, value in enumerate(values):
        target[index] += value


class Aggregate:
    """Every report's figures for visits started in [start, end), per day.

    ``filters``: compute the one report of the visits passing them (the database narrows the
    visits), as the reports' raw tail does; None computes every variant (unfiltered, and each
    single filter with each value seen), as a rollup of a day does.
    """

    def __init__(
        self,
        start: datetime.datetime,
        end: datetime.datetime,
        filters: querying.Filters | None = None,
    ):
        # keyed (day, filter, value); hours: (hour, filter, value); dims: (day, dimension,
        # key, filter, value); clicks: (day, kind, key, filter, value)
        self.totals: dict[tuple[Any, ...], list[int]] = defaultdict(_zero)
        self.visitors: dict[tuple[Any, ...], set[int]] = defaultdict(set)
        self.hours: dict[tuple[Any, ...], list[int]] = defaultdict(_zero)
        self.hour_visitors: dict[tuple[Any, ...], set[int]] = defaultdict(set)
        self.dims: dict[tuple[Any, ...], list[int]] = defaultdict(_zero)
        self.clicks: dict[tuple[Any, ...], int] = defaultdict(int)
        self._collect(start, end, filters)

    def _collect(
        self,
        start: datetime.datetime,
        end: datetime.datetime,
        filters: querying.Filters | None,
    ) -> None:
        narrowed = filters or querying.Filters()
        where, params = querying.visit_filter_sql(narrowed, start, end)
        pages: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        for visit_id, path, pageviews, engaged in querying.query(
            "SELECT e.visit_id, e.path,"  # noqa: S608
            " SUM(CASE WHEN e.type = 'pageview' THEN 1 ELSE 0 END), SUM(e.engaged_ms)"
            " FROM event e JOIN visit v ON v.id = e.visit_id WHERE " + where + ""
            " GROUP BY e.visit_id, e.path",
            params,
        ):
            if pageviews:
                pages[visit_id].append((path, int(pageviews), int(engaged or 0)))
        clicked: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for visit_id, target, name in querying.query(
            "SELECT e.visit_id, e.target, e.name FROM event e"  # noqa: S608
            " JOIN visit v ON v.id = e.visit_id WHERE e.type = 'click' AND " + where,
            params,
        ):
            clicked[visit_id].append((target, target or name))
        columns = [querying.VISIT_COLUMNS[name] for name in VISIT_DIMENSIONS]
        filter_columns = [querying.FILTER_COLUMNS[name] for name in FILTER_ORDER]
        cte, params = querying.visit_stats_cte(
            narrowed, start, end, sorted(set(columns) | set(filter_columns))
        )
        rows = querying.query(
            cte + "SELECT vs.id, vs.visitor_id, " + querying.bucket_sql("hour", "vs") + ","  # noqa: S608
            " vs.duration, vs.pageviews, vs.clicks, vs.engaged_ms, vs.converted, "
            + ", ".join(f"vs.{column}" for column in columns + filter_columns)
            + " FROM vs",
            params,
        )
        kinds_of: dict[str, tuple[str, ...]] = {}
        hours: dict[str, tuple[datetime.date, datetime.datetime]] = {}
        width = len(columns)
        for row in rows:
            visit_id, visitor, hour_text, duration, pageviews, clicks, engaged, converted = row[:8]
            values = row[8 : 8 + width]
            filter_values = row[8 + width :]
            if hour_text not in hours:
                # an hour's bucket is a datetime
                moment = cast(datetime.datetime, querying.parse_bucket(hour_text))
                hours[hour_text] = (moment.date(), moment)
            day, hour = hours[hour_text]
            pageviews, clicks = int(pageviews), int(clicks)
            bounce = 1 if pageviews == 1 and clicks == 0 else 0
            duration, engaged, converted = int(duration), int(engaged), int(converted)
            measures = (1, pageviews, bounce, duration, engaged, converted)
            viewed = pages.get(visit_id, ())
            variants = [("", "")]
            variants += [
                (name, value)
                for name, value in zip(FILTER_ORDER, filter_values, strict=True)
                if value
            ]
            variants += [("page", path) for path, _, _ in viewed]
            if filters is not None:
                variants = [("", "")]  # the database kept only the visits passing the filters
            visitor = querying.visitor_hash(visitor)
            visit_clicks = clicked.get(visit_id, ())
            for variant in variants:
                name, value = variant
                totals = self.totals[(day, name, value)]
                for index in range(6):
                    totals[index] += measures[index]
                self.visitors[(day, name, value)].add(visitor)
                hourly = self.hours[(hour, name, value)]
                for index in range(6):
                    hourly[index] += measures[index]
                self.hour_visitors[(hour, name, value)].add(visitor)
                dims = self.dims
                for dimension, key in zip(VISIT_DIMENSIONS, values, strict=True):
                    target = dims[(day, dimension, key, name, value)]
                    for index in range(6):
                        target[index] += measures[index]
                for path, path_views, path_engaged in viewed:
                    target = dims[(day, "page", path, name, value)]
                    target[0] += 1
                    target[1] += path_views
                    target[2] += bounce
                    target[3] += duration
                    target[4] += path_engaged
                    target[5] += converted
                for target, key in visit_clicks:
                    kinds = kinds_of.get(target)
                    if kinds is None:
                        kinds = kinds_of[target] = querying.click_kinds(target)
                    for kind in kinds:
                        self.clicks[(day, kind, key, name, value)] += 1

    # the reports' view of a tail: everything summed over its days

    def summary(self) -> tuple[list[int], set[int]]:
        measures, visitors = _zero(), set[int]()
        for key, values in self.totals.items():
            _add(measures, values)
            visitors |= self.visitors[key]
        return measures, visitors

    def series(self, unit: str) -> dict[Any, tuple[set[int], list[int]]]:
        """{bucket: (visitor hashes, measures)}."""
        found: dict[Any, tuple[set[int], list[int]]] = {}
        if unit == "hour":
            source, sets = self.hours, self.hour_visitors
        else:
            source, sets = self.totals, self.visitors
        for key, values in source.items():
            bucket = key[0]
            if unit == "month":
                bucket = bucket.replace(day=1)
            hashes, measures = found.setdefault(bucket, (set(), _zero()))
            hashes |= sets[key]
            _add(measures, values)
        return found

    def tables(self) -> dict[str, dict[str, list[int]]]:
        found: dict[str, dict[str, list[int]]] = defaultdict(dict)
        for (_day, dimension, key, _name, _value), values in self.dims.items():
            target = found[dimension].setdefault(key, _zero())
            _add(target, values)
        return found

    def click_counts(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {kind: {} for kind in CLICK_KINDS}
        for (_day, kind, key, _name, _value), count in self.clicks.items():
            found[kind][key] = found[kind].get(key, 0) + count
        return found


# ------------------------------------------------------------------------------ building


def _measure_fields(values: list[int]) -> dict[str, int]:
    return dict(zip(MEASURES, values, strict=True))


def _insert(model: type[BaseModel], rows: list[dict[str, Any]]) -> None:
    """One prepared INSERT for all rows: peewee's insert_many costs more than the database."""
    if not rows:
        return
    columns = list(rows[0])
    db = database.obj
    sql = (
        f'INSERT INTO "{model._meta.table_name}" ({", ".join(columns)}) '  # noqa: S608
        f"VALUES ({', '.join([db.param] * len(columns))})"
    )
    values = [tuple(querying.sql_value(row[column]) for column in columns) for row in rows]
    cursor = db.cursor()
    if isinstance(db, peewee.SqliteDatabase):
        cursor.executemany(sql, values)
        return
    # psycopg2's executemany is a round trip per row: send many rows per statement instead
    head, one = sql.split(" VALUES ")
    for start in range(0, len(values), BATCH):
        chunk = values[start : start + BATCH]
        cursor.execute(
            head + " VALUES " + ", ".join([one] * len(chunk)),
            [value for row in chunk for value in row],
        )


def _transaction() -> peewee._atomic:
    """Serialise rollup writers: SQLite's write lock at BEGIN, a PostgreSQL advisory lock."""
    db = cast(peewee.Database, database.obj)
    if isinstance(db, peewee.SqliteDatabase):
        return db.atomic("IMMEDIATE")
    return db.atomic()


def _lock() -> None:
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        database.obj.execute_sql("SELECT pg_advisory_xact_lock(%s)", (0x57494E4C,))


def rebuild_day(day: datetime.date, until: datetime.datetime | None = None) -> None:
    """Replace the day's rollup rows by a fresh aggregation of its raw visits and events
    (only of the visits started before ``until``, for today's finished hours)."""
    start = datetime.datetime.combine(day, datetime.time())
    aggregate = Aggregate(start, min(until, start + DAY) if until else start + DAY)
    state = RollupState.get_or_none(RollupState.name == STATE)
    hashes_dropped = state is not None and state.sketched_before and day < state.sketched_before

    def visitors_blob(hashes: set[int]) -> bytes:
        blob = hll.encode(hashes)
        return hll.sketch_only(blob) if hashes_dropped else blob

    with _transaction():
        _lock()
        for model in (RollupDay, RollupHour, RollupDimension, RollupClick):
            model.delete().where(model.day == day).execute()
        _insert(
            RollupDay,
            [
                {
                    "day": key_day,
                    "filter": name,
                    "value": value,
                    "visitors": len(aggregate.visitors[(key_day, name, value)]),
                    "visitor_hashes": visitors_blob(aggregate.visitors[(key_day, name, value)]),
                    **_measure_fields(values),
                }
                for (key_day, name, value), values in aggregate.totals.items()
            ],
        )
        _insert(
            RollupHour,
            [
                {
                    "hour": hour,
                    "day": hour.date(),
                    "filter": name,
                    "value": value,
                    "visitors": len(aggregate.hour_visitors[(hour, name, value)]),
                    **_measure_fields(values),
                }
                for (hour, name, value), values in aggregate.hours.items()
            ],
        )
        _insert(
            RollupDimension,
            [
                {
                    "day": key_day,
                    "dimension": dimension,
                    "key": key,
                    "filter": name,
                    "value": value,
                    **_measure_fields(values),
                }
                for (key_day, dimension, key, name, value), values in aggregate.dims.items()
            ],
        )
        _insert(
            RollupClick,
            [
                {
                    "day": key_day,
                    "kind": kind,
                    "key": key,
                    "filter": name,
                    "value": value,
                    "count": count,
                }
                for (key_day, kind, key, name, value), count in aggregate.clicks.items()
            ],
        )


def _days(sql_where: str, params: list[object]) -> set[datetime.date]:
    bucket = querying.bucket_sql("day", "v")
    rows = querying.query(
        f"SELECT DISTINCT {bucket} FROM visit v WHERE " + sql_where,  # noqa: S608
        params,
    )
    return {datetime.date.fromisoformat(row[0]) for row in rows}


def pending_days(
    today: datetime.date, until: datetime.datetime | None = None
) -> tuple[set[datetime.date], int]:
    """The days ``run`` would recompute (today among them when visits it started before
    ``until`` got events), and the newest event id it would then have seen."""
    state = RollupState.get_or_none(RollupState.name == STATE)
    newest = Event.select(fn.MAX(Event.id)).scalar() or 0
    before = datetime.datetime.combine(today, datetime.time())
    if state is None or state.through is None:
        return _days("v.started_at < ?", [before]), newest
    after = datetime.datetime.combine(state.through + DAY, datetime.time())
    days = _days("v.started_at >= ? AND v.started_at < ?", [after, before])
    if newest > state.last_event_id:
        # from the new events (a range of the primary key) to their visits' start days
        bucket = querying.bucket_sql("day", "v")
        rows = querying.query(
            f"SELECT DISTINCT {bucket} FROM event e JOIN visit v ON v.id = e.visit_id"  # noqa: S608
            " WHERE e.id > ? AND v.started_at < ?",
            [state.last_event_id, max(before, until or before)],
        )
        days |= {datetime.date.fromisoformat(row[0]) for row in rows}
    return days, newest


def run(
    now: datetime.datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Bring the rollups up to ``now`` (naive UTC): every whole day before it, and today's
    visits started in its finished hours; returns the number of days (re)computed.
    ``progress(days done, days to do)`` is called after each day (``analytics.progress``).

    The current hour is never rolled up: reports read it, and whatever the task has not
    reached, from the raw tables.
    """
    now = now or clock.now()
    today = now.date()
    hour = now.replace(minute=0, second=0, microsecond=0)
    midnight = datetime.datetime.combine(today, datetime.time())
    state = RollupState.get_or_none(RollupState.name == STATE)
    days, newest = pending_days(today, hour)
    whole = sorted(day for day in days if day < today)
    # today's finished hours: again when the hour moved on or their visits got events
    partial = hour > midnight and (
        today in days or state is None or state.until is None or state.until < hour
    )
    for done, day in enumerate(whole, 1):
        rebuild_day(day)
        if progress is not None:
            progress(done, len(whole) + partial)
    if partial:
        rebuild_day(today, hour)
        if progress is not None:
            progress(len(whole) + 1, len(whole) + 1)
    with _transaction():
        _lock()
        state = RollupState.get_or_none(RollupState.name == STATE)
        through = today - DAY
        until = hour
        if state is not None and state.through is not None:
            through = max(through, state.through)
            until = max(until, state.until or until)
        values = {
            "through": through,
            "until": until,
            "sketched_before": _drop_visitor_hashes(today, state),
            "last_event_id": max(newest, state.last_event_id if state else 0),
            "updated_at": clock.now(),
        }
        if state is None:
            RollupState.create(name=STATE, **values)
        else:
            RollupState.update(values).where(RollupState.name == STATE).execute()
    return len(whole) + partial


def _retention_days() -> int | None:
    if not has_app_context():
        return None
    days = current_app.config["ANALYTICS_RAW_RETENTION_DAYS"]
    return int(days) if days else None


def _drop_visitor_hashes(today: datetime.date, state: RollupState | None) -> datetime.date | None:
    """Past the raw events' retention, keep only visitor sketches in the daily rows.

    The hashes of pseudonymous visitor ids are what makes unique visitors exact; once the raw
    events are gone the rollups should hold nothing about a single visitor either. Periods that
    reach back that far then count unique visitors as an estimate.
    """
    done: datetime.date | None = state.sketched_before if state is not None else None
    days = _retention_days()
    if days is None:
        return done
    cutoff = today - datetime.timedelta(days=days)
    if done is not None and done >= cutoff:
        return done
    query = RollupDay.select(RollupDay.id, RollupDay.visitor_hashes).where(RollupDay.day < cutoff)
    if done is not None:
        query = query.where(RollupDay.day >= done)
    for row_id, blob in tuple_rows(query.tuples()):
        RollupDay.update(visitor_hashes=hll.sketch_only(blob)).where(
            RollupDay.id == row_id
        ).execute()
    return cutoff


def forget_visitors(visitor_ids: Iterable[str]) -> int:
    """Take these visitors' hashes out of every daily row (erasure); returns rows changed.

    Counts stay (they name nobody); unique visitors of periods computed afterwards no longer
    include these visitors. Call it with the visitor ids of an erased person's visits.
    """
    hashes = {querying.visitor_hash(visitor) for visitor in visitor_ids}
    if not hashes:
        return 0
    changed = 0
    with _transaction():
        _lock()
        query = RollupDay.select(RollupDay.id, RollupDay.visitor_hashes)
        for row_id, blob in tuple_rows(query.tuples()):
            smaller = hll.without(blob, hashes)
            if smaller is not None:
                RollupDay.update(visitor_hashes=smaller).where(RollupDay.id == row_id).execute()
                changed += 1
    return changed


def reset() -> None:
    """Make the next run recompute every day that still has raw visits.

    Days whose raw events are already purged keep their rollup rows: they cannot be recomputed.
    """
    RollupState.delete().where(RollupState.name == STATE).execute()


# ------------------------------------------------------------------------------ reading


def _measure_sums(model: type[BaseModel]) -> list[peewee.Function]:
    return [fn.SUM(getattr(model, name)) for name in MEASURES]


def _where(model: Any, period: Period, name: str, value: str) -> list[peewee.Expression]:
    return [
        model.filter == name,
        model.value == value,
        model.day >= period.first,
        model.day <= period.last,
    ]


def read_summary(period: Period, name: str, value: str) -> tuple[hll.VisitorUnion, list[int]]:
    """(visitors of the period as a union, measures) from the daily rows."""
    measures = _zero()
    query = RollupDay.select(
        RollupDay.visitors,
        RollupDay.visitor_hashes,
        *[getattr(RollupDay, name) for name in MEASURES],
    ).where(*_where(RollupDay, period, name, value))
    rows = list(tuple_rows(query.tuples()))
    union = hll.VisitorUnion(exact=sum(row[0] for row in rows) <= hll.UNION_EXACT_LIMIT)
    for _visitors, blob, *values in rows:
        union.add_blob(blob)
        _add(measures, values)
    return union, measures


def read_series(unit: str, period: Period, name: str, value: str) -> dict[Any, Any]:
    """{bucket: (visitors, measures)}: days and hours as stored, months as unions of days."""
    found: dict[Any, Any] = {}
    if unit == "hour":
        hourly = RollupHour.select(
            RollupHour.hour, RollupHour.visitors, *[getattr(RollupHour, m) for m in MEASURES]
        ).where(*_where(RollupHour, period, name, value))
        for hour, visitors, *values in tuple_rows(hourly.tuples()):
            found[hour] = (visitors, [int(v) for v in values])
        return found
    if unit == "day":
        query = RollupDay.select(
            RollupDay.day, RollupDay.visitors, *[getattr(RollupDay, m) for m in MEASURES]
        ).where(*_where(RollupDay, period, name, value))
        for day, visitors, *values in tuple_rows(query.tuples()):
            found[day] = (visitors, [int(v) for v in values])
        return found
    months: dict[datetime.date, list[Any]] = defaultdict(list)
    query = RollupDay.select(
        RollupDay.day,
        RollupDay.visitors,
        RollupDay.visitor_hashes,
        *[getattr(RollupDay, m) for m in MEASURES],
    ).where(*_where(RollupDay, period, name, value))
    for day, *rest in tuple_rows(query.tuples()):
        months[day.replace(day=1)].append(rest)
    for month, rows in months.items():
        union = hll.VisitorUnion(exact=sum(row[0] for row in rows) <= hll.UNION_EXACT_LIMIT)
        measures = _zero()
        for _visitors, blob, *values in rows:
            union.add_blob(blob)
            _add(measures, values)
        found[month] = (union, measures)
    return found


def read_tables(
    period: Period, name: str, value: str, dimension: str | None = None
) -> dict[str, dict[str, list[int]]]:
    """{dimension: {key: measures}} of every dimension (or the one given)."""
    model = RollupDimension
    conditions = _where(model, period, name, value)
    if dimension is not None:
        conditions.append(model.dimension == dimension)
    query = (
        model.select(model.dimension, model.key, *_measure_sums(model))
        .where(*conditions)
        .group_by(model.dimension, model.key)
    )
    found: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for dim, key, *values in tuple_rows(query.tuples()):
        found[dim][key] = [int(v or 0) for v in values]
    return found


def read_clicks(period: Period, name: str, value: str) -> dict[str, dict[str, int]]:
    model = RollupClick
    query = (
        model.select(model.kind, model.key, fn.SUM(model.count))
        .where(*_where(model, period, name, value))
        .group_by(model.kind, model.key)
    )
    found: dict[str, dict[str, int]] = {kind: {} for kind in CLICK_KINDS}
    for kind, key, count in tuple_rows(query.tuples()):
        found[kind][key] = int(count or 0)
    return found


__all__ = ["Aggregate", "Row", "read_summary", "rebuild_day", "rolled_through", "run"]
