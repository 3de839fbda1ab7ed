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
from .db import BaseModel, copy_rows, database, remaining_ms
from .db import rows as tuple_rows
from .models import Event
from .querying import CLICK_KINDS, MEASURES, Period, Row
from .rollup_models import (
    ROLLUP_MODELS,
    RollupClick,
    RollupCube,
    RollupCubeClick,
    RollupCubeDay,
    RollupDay,
    RollupDimension,
    RollupHour,
    RollupState,
)

STATE = "reports"
DAY = datetime.timedelta(days=1)
# the visit-level dimensions in the order Aggregate reads their columns
VISIT_DIMENSIONS = tuple(querying.VISIT_COLUMNS)
FILTER_ORDER = tuple(querying.FILTER_COLUMNS)  # the single-valued filters; "page" is per path
# the cube's key columns after the day: the page viewed, then FILTER_ORDER's values
CUBE_COLUMNS = ("page", *FILTER_ORDER)
# every rollup table but the state has rows per day
DAILY_MODELS: tuple[Any, ...] = tuple(model for model in ROLLUP_MODELS if model is not RollupState)
# the rows that keep their visitors' hashes (erasure and retention reach both)
VISITOR_MODELS: tuple[type[RollupDay] | type[RollupCubeDay], ...] = (RollupDay, RollupCubeDay)


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
        # groups: (day, filter, value); hours: (hour, filter, value); dims and clicks: per
        # group, {(dimension or kind, key): figures}
        self.totals: dict[tuple[Any, ...], list[int]] = defaultdict(_zero)
        self.visitors: dict[tuple[Any, ...], set[int]] = defaultdict(set)
        self.hours: dict[tuple[Any, ...], list[int]] = defaultdict(_zero)
        self.hour_visitors: dict[tuple[Any, ...], set[int]] = defaultdict(set)
        self.dims: dict[tuple[Any, ...], dict[tuple[str, str], list[int]]] = defaultdict(
            lambda: defaultdict(_zero)
        )
        self.clicks: dict[tuple[Any, ...], dict[tuple[str, str], int]] = defaultdict(
            lambda: defaultdict(int)
        )
        # the cube (filters=None only), groups: (day, page, country, device, browser, source,
        # campaign)
        self.cube_totals: dict[tuple[Any, ...], list[int]] = defaultdict(_zero)
        self.cube_visitors: dict[tuple[Any, ...], set[int]] = defaultdict(set)
        self.cube_dims: dict[tuple[Any, ...], dict[tuple[str, str], list[int]]] = defaultdict(
            lambda: defaultdict(_zero)
        )
        self.cube_clicks: dict[tuple[Any, ...], dict[tuple[str, str], int]] = defaultdict(
            lambda: defaultdict(int)
        )
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
            # the visit's lines, made once and added to every group it counts in
            lines: list[tuple[tuple[str, str], tuple[int, ...]]] = [
                (key, measures) for key in zip(VISIT_DIMENSIONS, values, strict=True)
            ]
            lines += [
                (("page", path), (1, path_views, bounce, duration, path_engaged, converted))
                for path, path_views, path_engaged in viewed
            ]
            visit_clicks: list[tuple[str, str]] = []
            for target, key in clicked.get(visit_id, ()):
                kinds = kinds_of.get(target)
                if kinds is None:
                    kinds = kinds_of[target] = querying.click_kinds(target)
                visit_clicks += [(kind, key) for kind in kinds]
            for variant in variants:
                group = (day, *variant)
                _fold(self.totals[group], measures)
                self.visitors[group].add(visitor)
                _fold_lines(self.dims[group], lines)
                if visit_clicks:
                    _fold_clicks(self.clicks[group], visit_clicks)
                hour_group = (hour, *variant)
                _fold(self.hours[hour_group], measures)
                self.hour_visitors[hour_group].add(visitor)
            if filters is None:
                # the cube: the visit under all its filter values at once, and again under
                # each page it viewed
                for page in ("", *(path for path, _, _ in viewed)):
                    group = (day, page, *filter_values)
                    _fold(self.cube_totals[group], measures)
                    self.cube_visitors[group].add(visitor)
                    _fold_lines(self.cube_dims[group], lines)
                    if visit_clicks:
                        _fold_clicks(self.cube_clicks[group], visit_clicks)

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
        for lines in self.dims.values():
            for (dimension, key), values in lines.items():
                target = found[dimension].setdefault(key, _zero())
                _add(target, values)
        return found

    def click_counts(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {kind: {} for kind in CLICK_KINDS}
        for counts in self.clicks.values():
            for (kind, key), count in counts.items():
                found[kind][key] = found[kind].get(key, 0) + count
        return found


# the writer of a day's rollups runs these a few hundred thousand times: the six additions are
# written out, which measured faster than a loop over them


def _fold(target: list[int], measures: tuple[int, ...]) -> None:
    target[0] += measures[0]
    target[1] += measures[1]
    target[2] += measures[2]
    target[3] += measures[3]
    target[4] += measures[4]
    target[5] += measures[5]


def _fold_lines(
    table: dict[tuple[str, str], list[int]], lines: list[tuple[tuple[str, str], tuple[int, ...]]]
) -> None:
    for key, measures in lines:
        target = table[key]
        target[0] += measures[0]
        target[1] += measures[1]
        target[2] += measures[2]
        target[3] += measures[3]
        target[4] += measures[4]
        target[5] += measures[5]


def _fold_clicks(counts: dict[tuple[str, str], int], clicks: list[tuple[str, str]]) -> None:
    for key in clicks:
        counts[key] += 1


# ------------------------------------------------------------------------------ building


def _measure_fields(values: list[int]) -> dict[str, int]:
    return dict(zip(MEASURES, values, strict=True))


def _cube_fields(day: datetime.date, cube: list[str]) -> dict[str, Any]:
    """A cube key (page, then the five visit-level filter values) as the columns it fills."""
    return {"day": day, **dict(zip(CUBE_COLUMNS, cube, strict=True))}


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
    # every row comes from one comprehension: its columns, and which of them hold a date (the
    # database's own format, querying.sql_value), are those of the first
    dates = [
        index for index, column in enumerate(columns) if isinstance(rows[0][column], datetime.date)
    ]
    stored: dict[Any, object] = {}  # a day's stored form, worked out once per day
    values = []
    for row in rows:
        value = list(row.values())
        for index in dates:
            moment = value[index]
            if moment not in stored:
                stored[moment] = querying.sql_value(moment)
            value[index] = stored[moment]
        values.append(value)
    cursor = db.cursor()
    if isinstance(db, peewee.SqliteDatabase):
        cursor.executemany(sql, values)
        return
    # PostgreSQL: COPY (a day at ten million events is a few hundred thousand cube rows;
    # multi-row INSERTs took most of the rollup); every value quoted, so an empty key stays ""
    copy_rows(cursor, f'"{model._meta.table_name}"', columns, values)


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
        for model in DAILY_MODELS:
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
                for (key_day, name, value), lines in aggregate.dims.items()
                for (dimension, key), values in lines.items()
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
                for (key_day, name, value), counts in aggregate.clicks.items()
                for (kind, key), count in counts.items()
            ],
        )
        _insert(
            RollupCubeDay,
            [
                {
                    **_cube_fields(key_day, cube),
                    "visitors": len(aggregate.cube_visitors[(key_day, *cube)]),
                    "visitor_hashes": visitors_blob(aggregate.cube_visitors[(key_day, *cube)]),
                    **_measure_fields(values),
                }
                for (key_day, *cube), values in aggregate.cube_totals.items()
            ],
        )
        _insert(
            RollupCube,
            [
                {
                    **_cube_fields(key_day, cube),
                    "dimension": dimension,
                    "key": key,
                    **_measure_fields(values),
                }
                for (key_day, *cube), lines in aggregate.cube_dims.items()
                for (dimension, key), values in lines.items()
            ],
        )
        _insert(
            RollupCubeClick,
            [
                {**_cube_fields(key_day, cube), "kind": kind, "key": key, "count": count}
                for (key_day, *cube), counts in aggregate.cube_clicks.items()
                for (kind, key), count in counts.items()
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
    for model in VISITOR_MODELS:
        query = model.select(model.id, model.visitor_hashes).where(model.day < cutoff)
        if done is not None:
            query = query.where(model.day >= done)
        for row_id, blob in tuple_rows(query.tuples()):
            model.update(visitor_hashes=hll.sketch_only(blob)).where(model.id == row_id).execute()
    return cutoff


def forget_visitors(visitor_ids: Iterable[str]) -> int:
    """Take these visitors' hashes out of every daily row (erasure); returns rows changed.

    Counts of visits, page views and the like stay (they name nobody); unique visitors of
    periods computed afterwards no longer include these visitors. Call it with the visitor ids
    of an erased person's visits.

    A day's row also keeps its visitors as a number, which the daily time series reads: it is
    set to what is left in the day's set, so the chart and the key figures drop together. An
    hour's row keeps only the number (no hashes say who was there in which hour): it is capped
    at its day's new number, so an hour never shows more visitors than its day (exact when the
    erased person was the day's only visitor, an upper bound otherwise).
    """
    hashes = {querying.visitor_hash(visitor) for visitor in visitor_ids}
    if not hashes:
        return 0
    changed = 0
    with _transaction():
        _lock()
        for model in VISITOR_MODELS:
            query = model.select(model.id, model.visitor_hashes)
            for row_id, blob in tuple_rows(query.tuples()):
                smaller = hll.without(blob, hashes)
                if smaller is not None:
                    left = _visitors_in(smaller)
                    model.update(visitor_hashes=smaller, visitors=left).where(
                        model.id == row_id
                    ).execute()
                    if model is RollupDay:
                        _cap_hours(row_id, left)
                    changed += 1
    return changed


def _visitors_in(blob: bytes) -> int:
    """The unique visitors of one day's blob (exact while it holds hashes)."""
    union = hll.VisitorUnion()
    union.add_blob(blob)
    return len(union)


def _cap_hours(day_row: int, visitors: int) -> None:
    """No hour of the day's row (its filter and value) above the day's ``visitors``."""
    query = RollupDay.select(RollupDay.day, RollupDay.filter, RollupDay.value).where(
        RollupDay.id == day_row
    )
    day, name, value = next(tuple_rows(query.tuples()))
    RollupHour.update(visitors=visitors).where(
        RollupHour.day == day,
        RollupHour.filter == name,
        RollupHour.value == value,
        RollupHour.visitors > visitors,
    ).execute()


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
    return _tables(RollupDimension, _where(RollupDimension, period, name, value), dimension)


def _tables(
    model: Any, conditions: list[peewee.Expression], dimension: str | None
) -> dict[str, dict[str, list[int]]]:
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
    return _clicks(RollupClick, _where(RollupClick, period, name, value))


def _clicks(model: Any, conditions: list[peewee.Expression]) -> dict[str, dict[str, int]]:
    query = (
        model.select(model.kind, model.key, fn.SUM(model.count))
        .where(*conditions)
        .group_by(model.kind, model.key)
    )
    found: dict[str, dict[str, int]] = {kind: {} for kind in CLICK_KINDS}
    for kind, key, count in tuple_rows(query.tuples()):
        found[kind][key] = int(count or 0)
    return found


# ------------------------------------------------------------------------------ the cube


def _cube_where(model: Any, period: Period, filters: querying.Filters) -> list[peewee.Expression]:
    """A set of filters on the cube: equality on each column it sets (the page's rows, or the
    visit-level rows when no page is set); the columns it leaves open are summed away.

    Under a time budget (the dashboard's views) a spent budget stops here, between statements."""
    remaining_ms()
    conditions = [model.page == filters.page, model.day >= period.first, model.day <= period.last]
    for name in FILTER_ORDER:
        value = getattr(filters, name)
        if value:
            conditions.append(getattr(model, name) == value)
    return conditions


def _visitor_sets(rows: list[tuple[Any, ...]]) -> tuple[hll.VisitorUnion, list[int]]:
    """Rows of (visitors, blob, *measures) as one union and the summed measures."""
    union = hll.VisitorUnion(exact=sum(row[0] for row in rows) <= hll.UNION_EXACT_LIMIT)
    measures = _zero()
    for _visitors, blob, *values in rows:
        union.add_blob(blob)
        _add(measures, values)
    return union, measures


def read_cube_series(
    unit: str, period: Period, filters: querying.Filters
) -> dict[Any, tuple[hll.VisitorUnion, list[int]]]:
    """{day or month: (visitors as a union, measures)} of the visits passing ``filters``."""
    model = RollupCubeDay
    query = model.select(
        model.day, model.visitors, model.visitor_hashes, *[getattr(model, m) for m in MEASURES]
    ).where(*_cube_where(model, period, filters))
    buckets: dict[datetime.date, list[tuple[Any, ...]]] = defaultdict(list)
    for day, *rest in tuple_rows(query.tuples()):
        buckets[day.replace(day=1) if unit == "month" else day].append(tuple(rest))
    return {bucket: _visitor_sets(rows) for bucket, rows in buckets.items()}


def read_cube_summary(
    period: Period, filters: querying.Filters
) -> tuple[hll.VisitorUnion, list[int]]:
    """(visitors of the period as a union, measures) of the visits passing ``filters``."""
    model = RollupCubeDay
    query = model.select(
        model.visitors, model.visitor_hashes, *[getattr(model, m) for m in MEASURES]
    ).where(*_cube_where(model, period, filters))
    return _visitor_sets(list(tuple_rows(query.tuples())))


def read_cube_tables(
    period: Period, filters: querying.Filters, dimension: str | None = None
) -> dict[str, dict[str, list[int]]]:
    """{dimension: {key: measures}} of the visits passing ``filters``: one statement for all
    the dimension tables (grouped once, not once per table)."""
    return _tables(RollupCube, _cube_where(RollupCube, period, filters), dimension)


def read_cube_clicks(period: Period, filters: querying.Filters) -> dict[str, dict[str, int]]:
    return _clicks(RollupCubeClick, _cube_where(RollupCubeClick, period, filters))


__all__ = ["Aggregate", "Row", "read_summary", "rebuild_day", "rolled_through", "run"]
