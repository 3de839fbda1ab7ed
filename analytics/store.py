"""From spooled lines to rows: visits by the 30-minute rule, events stored once, bots counted.

No line can block another: a segment the database refuses as a whole is stored line by line,
and a line that still fails after ``MAX_TRIES`` attempts (counted in the line itself, across
attempts) goes to the spool's quarantine file with the error. An outage (connection refused,
database locked) is no fault of a line: the segment is given back untouched and retried.
Lines of a person erased while they waited in the spool are dropped (``ErasureTombstone``).

The visits and events go to the site's database, or to ClickHouse when ``ANALYTICS_STORE``
names it (``analytics.clickhouse``): the visit rule, the tombstones and the bot tally are the
same code for both; ``SqlVisits`` and ``ClickHouseVisits`` only look up open visits and
persist. Tombstones and dropped counts always stay in the site's database.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import peewee
from psycopg2.extras import execute_values

from . import clock
from .clickhouse import client as clickhouse_client
from .clickhouse import people as clickhouse_people
from .clickhouse import writer as clickhouse_writer
from .db import copy_rows, database
from .line import RequestLine, SpoolEvent, TallyLine
from .line import from_dict as line_from_dict
from .line import loads as spool_loads
from .models import EVENT_COLUMNS, DroppedCount, ErasureTombstone, Event, Visit
from .spool import Spool

log = logging.getLogger("analytics.store")

VISIT_GAP = datetime.timedelta(minutes=30)
# attempts at a line the database refuses before it goes to the quarantine: a refusal that
# depends on the moment (a deadlock, a race for a unique key) gets another chance, a line that
# can never be stored does not hold its segment for long (the writer retries every 0.5 s)
MAX_TRIES = 3
# the errors that say the database is away, busy or not ready (SQLite's "database is locked",
# a refused or lost connection, a lock timeout, a missing table before ``winlas migrate``), not
# that a line is wrong: nothing is quarantined for them, the segment waits. What a line can
# cause: DataError, IntegrityError, and the driver's own ValueError/UnicodeEncodeError (NUL,
# lone surrogates) or a KeyError/TypeError for a line of the wrong shape.
OUTAGE = (
    peewee.OperationalError,
    peewee.InterfaceError,
    peewee.ProgrammingError,
    peewee.InternalError,
    peewee.NotSupportedError,
    # ClickHouse away or not migrated yet (analytics.clickhouse.client)
    clickhouse_client.Unavailable,
)
EXTERNAL_SOURCES = ("search", "social", "referral", "campaign")


_EPOCH = datetime.datetime(1970, 1, 1)


def _moment(ms: int) -> datetime.datetime:
    # naive UTC from epoch milliseconds: exact, and half the cost of fromtimestamp + replace
    # (twice per line in the writer's loop)
    return _EPOCH + datetime.timedelta(milliseconds=ms)


def starts_new_visit(
    visit: Visit | OpenVisit | None, event: SpoolEvent, when: datetime.datetime
) -> bool:
    """The visit of docs/ARCHITECTURE.md: a 30-minute gap, a new campaign or external referrer."""
    if visit is None or when - visit.last_seen_at >= VISIT_GAP:
        return True
    if event["type"] != "pageview":
        return False
    utm = event.get("utm", {})
    if utm.get("utm_campaign") and utm["utm_campaign"] != visit.utm_campaign:
        return True
    return event["ref"][0] in EXTERNAL_SOURCES and event["ref"][1] != visit.referrer_host


@dataclass
class OpenVisit:
    """What the visit rule needs of a visit, without a model instance per row."""

    id: int
    last_seen_at: datetime.datetime
    exit_path: str
    user_id: int | None
    utm_campaign: str
    referrer_host: str
    profiling: bool


VISIT_COLUMNS = (
    "visitor_id",
    "user_id",
    "started_at",
    "last_seen_at",
    "entry_path",
    "exit_path",
    "referrer_source",
    "referrer_host",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "ip_anonymised",
    "country",
    "region",
    "city",
    "browser",
    "browser_version",
    "os",
    "os_version",
    "device",
    "screen",
    "language",
    "timezone",
    "platform",
    "profiling",
)
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def _visit_values(line: RequestLine, event: SpoolEvent, when: datetime.datetime) -> tuple[Any, ...]:
    """A new visit's columns (``VISIT_COLUMNS``) from the event that opens it."""
    utm = event.get("utm", {})
    source, host = event["ref"] if event["type"] == "pageview" else ("direct", "")
    return (
        line.visitor,
        line.user_id,
        when,
        when,
        event["path"],
        event["path"],
        source,
        host,
        *(utm.get(key, "") for key in UTM_KEYS),
        line.ip,
        *line.geo,  # country, region, city: the columns' order (unpacked: the writer's hot loop)
        *line.agent,  # browser, browser_version, os, os_version, device
        event.get("screen", ""),
        event.get("lang", ""),
        event.get("tz", ""),
        event.get("platform", ""),
        # marketing consent and no objection when the request was made
        line.profiling,
    )


def _opened(visit_id: int, values: tuple[Any, ...]) -> OpenVisit:
    # the mutable part of a new visit, by its index in VISIT_COLUMNS
    return OpenVisit(visit_id, values[3], values[5], values[1], values[10], values[7], values[-1])


class SqlVisits:
    """The site's database: visits by an INSERT … RETURNING id, changes by UPDATE."""

    def __init__(self) -> None:
        # a prepared statement on the batch's own cursor: peewee's model save, and even its
        # execute_sql (logging, a new cursor), cost several times the database's work
        self.cursor = database.cursor()
        self.time = _db_time

    def latest(self, requests: list[RequestLine]) -> dict[str, OpenVisit]:
        visitors = sorted({line.visitor for line in requests})
        return {visitor: _open_visit(visit) for visitor, visit in Visit.latest_of(visitors).items()}

    def new_visit(self, line: RequestLine, event: SpoolEvent, when: datetime.datetime) -> OpenVisit:
        values = _visit_values(line, event, when)
        moment = _db_time(when)
        self.cursor.execute(
            _visit_insert_sql(database.obj.param), (*values[:2], moment, moment, *values[4:])
        )
        return _opened(self.cursor.fetchone()[0], values)

    def persist(self, touched: dict[int, OpenVisit], rows: list[tuple[object, ...]]) -> None:
        changes = [
            (_db_time(v.last_seen_at), v.exit_path, v.user_id, v.profiling, v.id)
            for v in touched.values()
        ]
        if isinstance(database.obj, peewee.PostgresqlDatabase):
            # psycopg2's executemany is a round trip per row (a batch of ten-event requests
            # took 180 µs an event); execute_values sends a page of rows per statement
            cursor = database.cursor()
            if changes:
                execute_values(cursor, _VISIT_UPDATE_POSTGRES, changes, page_size=PAGE_ROWS)
            if rows:
                _copy_events(cursor, rows)
            return
        # SQLite: one prepared statement for the batch, in process, no round trips; building
        # peewee's multi-row INSERT cost more than the database's work
        if changes:
            database.cursor().executemany(_visit_update_sql(), changes)
        if rows:
            # a resent batch carries the same ids: stored once
            database.cursor().executemany(_insert_sql(), rows)


class ClickHouseVisits:
    """ClickHouse (``analytics.clickhouse.writer``): a changed visit is inserted again whole."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}  # every column of the batch's visits
        self.created: dict[int, OpenVisit] = {}

    @staticmethod
    def time(moment: datetime.datetime) -> object:
        return moment

    def latest(self, requests: list[RequestLine]) -> dict[str, OpenVisit]:
        # a visit last seen 30 minutes before the batch's first event cannot be continued by
        # it: ClickHouse is asked only from there on (the SQL store needs no bound, so the
        # scan over the events is done here and not for every batch)
        visitors = sorted({line.visitor for line in requests})
        earliest = min((_moment(e["ts"]) for line in requests for e in line.events), default=_EPOCH)
        found = {}
        for visitor, row in clickhouse_writer.latest_visits(visitors, earliest).items():
            self.rows[row["id"]] = row
            found[visitor] = OpenVisit(
                row["id"],
                row["last_seen_at"],
                row["exit_path"],
                row["user_id"],
                row["utm_campaign"],
                row["referrer_host"],
                bool(row["profiling"]),
            )
        return found

    def new_visit(self, line: RequestLine, event: SpoolEvent, when: datetime.datetime) -> OpenVisit:
        values = _visit_values(line, event, when)
        visit_id = clickhouse_writer.new_visit_id()
        self.rows[visit_id] = {"id": visit_id, **dict(zip(VISIT_COLUMNS, values, strict=True))}
        opened = _opened(visit_id, values)
        self.created[visit_id] = opened
        return opened

    def persist(self, touched: dict[int, OpenVisit], rows: list[tuple[object, ...]]) -> None:
        changed = {**self.created, **touched}
        visits = []
        for visit_id, visit in changed.items():
            row = self.rows[visit_id]
            row.update(
                last_seen_at=visit.last_seen_at,
                exit_path=visit.exit_path,
                user_id=visit.user_id,
                profiling=visit.profiling,
            )
            visits.append(row)
        clickhouse_writer.save(visits, rows)


def _open_visit(visit: Visit) -> OpenVisit:
    return OpenVisit(
        visit.id,
        visit.last_seen_at,
        visit.exit_path,
        visit.user_id,
        visit.utm_campaign,
        visit.referrer_host,
        bool(visit.profiling),
    )


def _without_erased(requests: list[RequestLine]) -> list[RequestLine]:
    """The request lines whose user and browser were not erased while the lines waited.

    A browser seen in a dropped line of an erased user gets a tombstone of its own: its later
    anonymous lines belong to the same person (issue 10: a click accepted 130 ms before the
    erasure, then 6 anonymous page views of the same ``winlas_vid``)."""
    # asked inside the writer's transaction, after ``serialise``: a tombstone laid by an
    # erasure that committed before it is seen here
    if not requests or not ErasureTombstone.any_laid():
        return requests
    digest = ErasureTombstone.digest_of
    users = {
        line.user_id: digest("u", line.user_id) for line in requests if line.user_id is not None
    }
    visitors = {line.visitor: digest("v", line.visitor) for line in requests}
    erased = ErasureTombstone.present([*users.values(), *visitors.values()])
    if not erased:
        return requests
    kept: list[RequestLine] = []
    browsers: set[str] = set()
    for line in requests:
        if line.user_id is not None and users[line.user_id] in erased:
            browsers.add(visitors[line.visitor])
        elif visitors[line.visitor] not in erased:
            kept.append(line)
    browsers -= erased
    if browsers:
        ErasureTombstone.add(
            browsers,
            max(
                t.expires_at
                for t in ErasureTombstone.select().where(
                    ErasureTombstone.digest.in_(sorted(erased))
                )
            ),
        )
        kept = [line for line in kept if visitors[line.visitor] not in browsers]
    log.info("dropped %d spooled line(s) of erased people", len(requests) - len(kept))
    return kept


def write_lines(lines: Iterable[Mapping[str, Any]]) -> int:
    """Store spooled lines (their JSON objects, ``analytics.line``) in one transaction; returns
    the number of events offered."""
    bots: Counter[tuple[str, str]] = Counter()
    requests: list[RequestLine] = []
    for data in lines:
        line = line_from_dict(data)
        if isinstance(line, TallyLine):
            # the collector counts bots (and internal traffic: staff, the office) in memory
            # and spools a tally now and then
            bots[line.reason, line.day] += line.count
        else:
            requests.append(line)
    rows: list[tuple[object, ...]] = []
    with _write_transaction():
        if requests:
            ErasureTombstone.serialise(erasing=False)
        for (reason, day), count in bots.items():
            DroppedCount.add(datetime.date.fromisoformat(day), reason, count)
        requests = _without_erased(requests)
        visits: SqlVisits | ClickHouseVisits = (
            ClickHouseVisits() if clickhouse_client.active() else SqlVisits()
        )
        db_time = visits.time
        current = visits.latest(requests)
        touched: dict[int, OpenVisit] = {}
        for line in requests:
            # the line's fields once per line, not per event (a batch carries up to 50)
            visitor, user_id, profiling = line.visitor, line.user_id, line.profiling
            received = db_time(_moment(line.received_ms))
            for event in sorted(line.events, key=lambda e: e["ts"]):
                when = _moment(event["ts"])
                visit = current.get(visitor)
                if visit is None or starts_new_visit(visit, event, when):
                    visit = current[visitor] = visits.new_visit(line, event, when)
                else:
                    if when >= visit.last_seen_at:
                        visit.last_seen_at = when
                        if event["type"] == "pageview":
                            visit.exit_path = event["path"]
                    if visit.user_id is None and user_id is not None:
                        visit.user_id = user_id
                    if visit.profiling and not profiling:
                        # consent withdrawn or an objection mid-visit: the whole visit stops
                        # counting; a new yes only counts from the next visit
                        visit.profiling = False
                    touched[visit.id] = visit
                rows.append(
                    (
                        event["id"],
                        visit.id,
                        visitor,
                        user_id,
                        event["type"],
                        db_time(when),
                        received,
                        event["path"],
                        event.get("target", ""),
                        event.get("name", ""),
                        event.get("ms", 0),
                        event.get("viewport", ""),
                    )
                )
        visits.persist(touched, rows)
    return len(rows)


def _db_time(moment: datetime.datetime) -> object:
    return Event.occurred_at.db_value(moment)


def _insert_sql() -> str:
    param = database.obj.param
    return (
        f'INSERT INTO "{Event._meta.table_name}" ({", ".join(EVENT_COLUMNS)}) '  # noqa: S608
        f"VALUES ({', '.join([param] * len(EVENT_COLUMNS))}) "
        "ON CONFLICT (event_id) DO NOTHING"
    )


def _copy_events(cursor: Any, rows: list[tuple[object, ...]]) -> None:
    """PostgreSQL: a batch's event rows through COPY into a session's temporary table, then
    one INSERT … SELECT that skips the ids already stored (COPY itself cannot skip them).
    Formatting the rows as CSV is a fifth of what psycopg2's per-row quoting cost."""
    table, columns = Event._meta.table_name, ", ".join(EVENT_COLUMNS)
    stage = f"{table}_incoming"
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f'SELECT {columns} FROM "{table}" WITH NO DATA'
    )
    # the user column's None (an anonymous visitor) is NULL, every other "" stays text
    copy_rows(cursor, stage, EVENT_COLUMNS, rows, force_null=("user_id",))
    cursor.execute(
        f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM {stage} '  # noqa: S608
        "ON CONFLICT (event_id) DO NOTHING"
    )


# rows per statement of execute_values: bounds a statement's size
PAGE_ROWS = 1000
# the changed visits of a batch in one statement; a column that is NULL in every row would
# be text in VALUES, hence the casts
_VISIT_UPDATE_POSTGRES = (
    f'UPDATE "{Visit._meta.table_name}" AS v '  # noqa: S608
    "SET last_seen_at = d.last_seen_at::timestamp, exit_path = d.exit_path, "
    "user_id = d.user_id::integer, profiling = d.profiling::boolean "
    "FROM (VALUES %s) AS d (last_seen_at, exit_path, user_id, profiling, id) "
    "WHERE v.id = d.id::integer"
)


@lru_cache(maxsize=4)
def _visit_insert_sql(param: str) -> str:
    return (
        f'INSERT INTO "{Visit._meta.table_name}" ({", ".join(VISIT_COLUMNS)}) '  # noqa: S608
        f"VALUES ({', '.join([param] * len(VISIT_COLUMNS))}) RETURNING id"
    )


def _visit_update_sql() -> str:
    param = database.obj.param
    return (
        f'UPDATE "{Visit._meta.table_name}" SET last_seen_at = {param}, '  # noqa: S608
        f"exit_path = {param}, user_id = {param}, profiling = {param} WHERE id = {param}"
    )


def _write_transaction() -> peewee._atomic:
    """SQLite: take the write lock at BEGIN, so two workers' writers queue on busy_timeout
    instead of one failing at its first write after reading (a deferred transaction)."""
    if isinstance(database.obj, peewee.SqliteDatabase):
        return database.obj.atomic("IMMEDIATE")
    return database.atomic()


def read_segment(path: Path) -> list[dict[str, Any]]:
    """The lines of a segment; unreadable ones (a torn last line after a crash) are skipped."""
    return [line for _raw, line in _read_entries(path)[0]]


def _read_entries(
    path: Path,
) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]:
    """(text, line) of each readable line, and quarantine entries for the unreadable ones."""
    entries: list[tuple[str, dict[str, Any]]] = []
    unreadable: list[dict[str, Any]] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            # surrogateescape keeps any byte, so the quarantine holds exactly what was read
            text = raw.rstrip(b"\n").decode("utf-8", "surrogateescape")
            try:
                line = spool_loads(raw)
                if not isinstance(line, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                log.warning("unreadable line %d of %s goes to the quarantine", number, path.name)
                unreadable.append({"error": f"unreadable: {exc}"[:500], "tries": 0, "line": text})
                continue
            entries.append((text, line))
    return entries, unreadable


def _quarantine_entry(line: dict[str, Any], tries: int, exc: Exception) -> dict[str, Any]:
    original = {key: value for key, value in line.items() if key != "t"}
    return {
        "error": f"{type(exc).__name__}: {exc}"[:500],
        "tries": tries,
        "line": json.dumps(original, separators=(",", ":")),
    }


def drain(
    spool: Spool,
    include_abandoned: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Move every claimable segment into the database; returns events offered.
    ``progress(segments done, segments claimed)`` is called after each (``analytics.progress``).

    Never raises for a line: an outage gives the segment back, anything else is stored line
    by line and what cannot be stored ends in the quarantine (see the module's docstring)."""
    total = 0
    claimed = spool.claim(include_abandoned=include_abandoned)
    for done, path in enumerate(claimed, 1):
        try:
            total += _drain_segment(spool, path)
        except Exception:  # noqa: BLE001 - a full disk, say: the next segment may still go
            log.exception("could not store %s; it stays in the spool", path.name)
            # a segment left claimed by a live process would wait for its death
            with contextlib.suppress(OSError):
                spool.give_back(path)
        if progress is not None:
            progress(done, len(claimed))
    return total


def _drain_segment(spool: Spool, path: Path) -> int:
    entries, unreadable = _read_entries(path)
    if unreadable:
        spool.quarantine(unreadable)
        spool.rewrite(path, [text for text, _line in entries])
    try:
        stored = write_lines([line for _text, line in entries])
    except OUTAGE as exc:
        log.warning("database refused %s, kept for later: %s", path.name, exc)
        spool.give_back(path)
        return 0
    except Exception as exc:  # noqa: BLE001 - a line's fault: find it below
        log.warning("storing %s failed (%s); storing it line by line", path.name, exc)
    else:
        spool.done(path)
        return stored
    stored = 0
    keep: list[str] = []
    quarantined: list[dict[str, Any]] = []
    for index, (text, line) in enumerate(entries):
        try:
            stored += write_lines([line])
        except OUTAGE as exc:
            log.warning("database refused %s, kept for later: %s", path.name, exc)
            keep.extend(text for text, _line in entries[index:])
            break
        except Exception as exc:  # noqa: BLE001 - this line, not the database
            tries = line.get("t", 0) + 1 if isinstance(line.get("t", 0), int) else MAX_TRIES
            if tries >= MAX_TRIES:
                log.error(
                    "line %d of %s quarantined after %d tries: %s", index, path.name, tries, exc
                )
                quarantined.append(_quarantine_entry(line, tries, exc))
            else:
                keep.append(json.dumps({**line, "t": tries}, separators=(",", ":")))
    if quarantined:
        spool.quarantine(quarantined)  # fsync'd before the lines leave their segment
    if keep:
        spool.rewrite(path, keep)
        spool.give_back(path)
    else:
        spool.done(path)
    return stored


def purge(cutoff: datetime.datetime) -> tuple[int, int]:
    """Delete raw events, and visits, last seen before ``cutoff``; returns (events, visits).

    Expired erasure tombstones go too (by the clock, not ``cutoff``: a tombstone's life is
    how long a line can wait in the spool)."""
    now = clock.now()
    if clickhouse_client.active():
        events, visits = clickhouse_people.purge(cutoff)
        with database.atomic():
            ErasureTombstone.expired(now).execute()
        return events, visits
    with database.atomic():
        events = Event.older_than(cutoff).execute()
        visits = Visit.delete().where(Visit.last_seen_at < cutoff).execute()
        ErasureTombstone.expired(now).execute()
    return events, visits
