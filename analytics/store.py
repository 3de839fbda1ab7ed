"""From spooled lines to rows: visits by the 30-minute rule, events stored once, bots counted."""

from __future__ import annotations

import datetime
import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import peewee

from .db import database
from .models import DroppedCount, Event, Visit

log = logging.getLogger("analytics.store")

VISIT_GAP = datetime.timedelta(minutes=30)
EXTERNAL_SOURCES = ("search", "social", "referral", "campaign")


def _moment(ms: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).replace(tzinfo=None)


def starts_new_visit(visit: Visit | None, event: dict, when: datetime.datetime) -> bool:
    """DESIGN.md's visit: a gap of 30 minutes, a new campaign or a new external referrer."""
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


def _new_visit(line: dict, event: dict, when: datetime.datetime) -> OpenVisit:
    utm = event.get("utm", {})
    source, host = event["ref"] if event["type"] == "pageview" else ("direct", "")
    moment = _db_time(when)
    values = (
        line["v"],
        line["u"],
        moment,
        moment,
        event["path"],
        event["path"],
        source,
        host,
        *(utm.get(key, "") for key in UTM_KEYS),
        line["ip"],
        *line["geo"],
        *line["ua"],
        event.get("screen", ""),
        event.get("lang", ""),
        event.get("tz", ""),
        event.get("platform", ""),
        # marketing consent and no objection when the request was made (the collector's "p")
        bool(line.get("p")),
    )
    # a prepared INSERT … RETURNING: peewee's model save costs several times the database's work
    visit_id = database.execute_sql(_visit_insert_sql(), values).fetchone()[0]
    return OpenVisit(
        visit_id,
        when,
        event["path"],
        line["u"],
        utm.get("utm_campaign", ""),
        host,
        bool(line.get("p")),
    )


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


def write_lines(lines: list[dict]) -> int:
    """Store spooled request lines in one transaction; returns the number of events offered."""
    bots: Counter = Counter()
    requests = []
    for line in lines:
        if "bot" in line:
            bots[line["bot"]] += 1
        else:
            requests.append(line)
    rows: list[tuple] = []
    with _write_transaction():
        for day, count in bots.items():
            DroppedCount.add(datetime.date.fromisoformat(day), "bot", count)
        current = {
            visitor: _open_visit(visit)
            for visitor, visit in Visit.latest_of(sorted({line["v"] for line in requests})).items()
        }
        touched: dict[int, OpenVisit] = {}
        for line in requests:
            received = _moment(line["r"])
            for event in sorted(line["events"], key=lambda e: e["ts"]):
                when = _moment(event["ts"])
                visit = current.get(line["v"])
                if starts_new_visit(visit, event, when):
                    visit = current[line["v"]] = _new_visit(line, event, when)
                else:
                    if when >= visit.last_seen_at:
                        visit.last_seen_at = when
                        if event["type"] == "pageview":
                            visit.exit_path = event["path"]
                    if visit.user_id is None and line["u"] is not None:
                        visit.user_id = line["u"]
                    if visit.profiling and not line.get("p"):
                        # consent withdrawn or an objection mid-visit: the whole visit stops
                        # counting; a new yes only counts from the next visit
                        visit.profiling = False
                    touched[visit.id] = visit
                rows.append(
                    (
                        event["id"],
                        visit.id,
                        line["v"],
                        line["u"],
                        event["type"],
                        _db_time(when),
                        _db_time(received),
                        event["path"],
                        event.get("target", ""),
                        event.get("name", ""),
                        event.get("ms", 0),
                        event.get("viewport", ""),
                    )
                )
        if touched:
            database.cursor().executemany(
                _visit_update_sql(),
                [
                    (_db_time(v.last_seen_at), v.exit_path, v.user_id, v.profiling, v.id)
                    for v in touched.values()
                ],
            )
        if rows:
            # one prepared statement for the batch: building peewee's multi-row INSERT cost
            # more than the database's work. A resent batch carries the same ids: stored once.
            database.cursor().executemany(_insert_sql(), rows)
    return len(rows)


EVENT_COLUMNS = (
    "event_id",
    "visit_id",
    "visitor_id",
    "user_id",
    "type",
    "occurred_at",
    "received_at",
    "path",
    "target",
    "name",
    "engaged_ms",
    "viewport",
)


def _db_time(moment: datetime.datetime):
    return Event.occurred_at.db_value(moment)


def _insert_sql() -> str:
    param = database.obj.param
    return (
        f'INSERT INTO "{Event._meta.table_name}" ({", ".join(EVENT_COLUMNS)}) '  # noqa: S608
        f"VALUES ({', '.join([param] * len(EVENT_COLUMNS))}) "
        "ON CONFLICT (event_id) DO NOTHING"
    )


def _visit_insert_sql() -> str:
    param = database.obj.param
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


def _write_transaction():
    """SQLite: take the write lock at BEGIN, so two workers' writers queue on busy_timeout
    instead of one failing at its first write after reading (a deferred transaction)."""
    if isinstance(database.obj, peewee.SqliteDatabase):
        return database.obj.atomic("IMMEDIATE")
    return database.atomic()


def read_segment(path: Path) -> list[dict]:
    """The lines of a segment; a torn last line (a crash mid-write) is logged and skipped."""
    lines = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                lines.append(json.loads(raw))
            except ValueError:
                log.warning("skipping unreadable line %d of %s", number, path.name)
    return lines


def drain(spool, include_abandoned: bool = False) -> int:
    """Move every claimable segment into the database; returns events offered."""
    total = 0
    for path in spool.claim(include_abandoned=include_abandoned):
        try:
            total += write_lines(read_segment(path))
        except peewee.PeeweeException as exc:
            log.warning("database refused %s, kept for later: %s", path.name, exc)
            spool.give_back(path)
            continue
        spool.done(path)
    return total


def purge(cutoff: datetime.datetime) -> tuple[int, int]:
    """Delete raw events, and visits, last seen before ``cutoff``; returns (events, visits)."""
    with database.atomic():
        events = Event.older_than(cutoff).execute()
        visits = Visit.delete().where(Visit.last_seen_at < cutoff).execute()
    return events, visits
