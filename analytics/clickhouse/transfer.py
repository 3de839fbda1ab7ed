"""Moving raw visits and events between stores: ``winlas analytics export-events`` and
``import-events`` (from SQLite/PostgreSQL to ClickHouse, or back).

The format is JSON lines, one visit per line with its events::

    {"visit": {"id": 7, "visitor_id": "…", "started_at": "2026-11-02T10:00:00", …},
     "events": [{"event_id": "…", "type": "pageview", "occurred_at": "…", …}, …]}

Export streams from the configured store (``ANALYTICS_STORE``) a batch of visits at a time;
import writes into the configured store in batches and is idempotent: an event id already
stored is skipped, and so is a visit whose events are stored (ClickHouse: the same visit id
and a newer version of the same row). Times are naive UTC in ISO 8601.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..db import database, rows
from ..db import named_rows as db_named
from ..models import EVENT_COLUMNS, Event, Visit
from . import client, people, writer

BATCH = 1000
VISIT_FIELDS = tuple(name for name in Visit._meta.sorted_field_names if name != "id")
# an event as exported: its columns but the visit id (its visit's line holds the events)
EVENT_FIELDS = tuple(name for name in EVENT_COLUMNS if name != "visit_id")
TIME_FIELDS = frozenset({"started_at", "last_seen_at", "occurred_at", "received_at"})


def _json(value: object) -> object:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _line(visit: Mapping[str, Any], events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "visit": {"id": visit["id"], **{name: _json(visit[name]) for name in VISIT_FIELDS}},
        "events": [{name: _json(event[name]) for name in EVENT_FIELDS} for event in events],
    }


def export_lines() -> Iterator[dict[str, Any]]:
    """Every stored visit with its events, a batch at a time, from the configured store."""
    if client.active():
        yield from _export_clickhouse()
    else:
        yield from _export_sql()


def _export_sql() -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        query = Visit.select().where(Visit.id > last).order_by(Visit.id).limit(BATCH).dicts()
        visits: list[dict[str, Any]] = list(db_named(query))
        if not visits:
            return
        last = visits[-1]["id"]
        events: dict[int, list[dict[str, Any]]] = {visit["id"]: [] for visit in visits}
        linked = Event.select().where(Event.visit.in_(list(events))).order_by(Event.id).dicts()
        for event in db_named(linked):
            events[event["visit"]].append(event)
        for visit in visits:
            visit["profiling"] = bool(visit["profiling"])
            yield _line(visit, events[visit["id"]])


def _export_clickhouse() -> Iterator[dict[str, Any]]:
    first, last = client.query(
        "SELECT min(toDate(started_at)), max(toDate(started_at)) FROM visit"
    )[0]
    if not client.scalar("SELECT count() FROM visit"):
        return
    day = first
    while day <= last:
        visits = people.visits_where(
            "toDate(started_at) = {day:Date}", {"day": day}, "started_at, id"
        )
        for start in range(0, len(visits), BATCH):
            chunk = visits[start : start + BATCH]
            events: dict[int, list[dict[str, Any]]] = {visit["id"]: [] for visit in chunk}
            for event in people.events_of(list(events)):
                events[event["visit_id"]].append(event)
            for visit in chunk:
                yield _line(visit, sorted(events[visit["id"]], key=lambda e: e["seq"]))
        day += datetime.timedelta(days=1)


def _parsed(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: datetime.datetime.fromisoformat(value)
        if name in TIME_FIELDS and isinstance(value, str)
        else value
        for name, value in fields.items()
    }


def import_lines(lines: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """Store exported lines in the configured store; (visits, events) newly stored."""
    stored = [0, 0]
    batch: list[Mapping[str, Any]] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= BATCH:
            _import_batch(batch, stored)
            batch = []
    if batch:
        _import_batch(batch, stored)
    return stored[0], stored[1]


def _import_batch(batch: list[Mapping[str, Any]], stored: list[int]) -> None:
    visits = [_parsed(line["visit"]) for line in batch]
    events = [[_parsed(event) for event in line.get("events", [])] for line in batch]
    if client.active():
        _import_clickhouse(visits, events, stored)
    else:
        with database.atomic():
            _import_sql(visits, events, stored)


def _import_clickhouse(
    visits: list[dict[str, Any]], events: list[list[dict[str, Any]]], stored: list[int]
) -> None:
    ids = [int(visit["id"]) for visit in visits]
    existing = {
        int(row[0])
        for row in client.query(
            "SELECT DISTINCT id FROM visit WHERE id IN {ids:Array(UInt64)}", {"ids": ids}
        )
    }
    store_rows = [
        (
            event["event_id"],
            int(visit["id"]),
            *(event[name] for name in EVENT_FIELDS[1:]),
        )
        for visit, items in zip(visits, events, strict=True)
        for event in items
    ]
    # a visit stored already keeps its newest version (profiling may have been switched off)
    fresh = {
        int(v["id"]): {**v, "id": int(v["id"])} for v in visits if int(v["id"]) not in existing
    }
    stored[1] += writer.save(list(fresh.values()), store_rows)
    stored[0] += len(fresh)


def _import_sql(
    visits: list[dict[str, Any]], events: list[list[dict[str, Any]]], stored: list[int]
) -> None:
    wanted = [event["event_id"] for items in events for event in items]
    known: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        known.update(
            (str(event_id), int(visit_id))
            for event_id, visit_id in rows(
                Event.select(Event.event_id, Event.visit)
                .where(Event.event_id.in_(wanted[start : start + 500]))
                .tuples()
            )
        )
    new_events = []
    for visit, items in zip(visits, events, strict=True):
        visit_id = next((known[e["event_id"]] for e in items if e["event_id"] in known), None)
        if visit_id is None:
            visit_id = Visit.insert({name: visit[name] for name in VISIT_FIELDS}).execute()
            stored[0] += 1
        new_events += [
            {**event, "visit": visit_id} for event in items if event["event_id"] not in known
        ]
    for start in range(0, len(new_events), 200):
        chunk = new_events[start : start + 200]
        Event.insert_many(chunk).on_conflict_ignore().execute()
    stored[1] += len(new_events)
