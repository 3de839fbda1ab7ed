"""What the spool writer (``analytics.store.write_lines``) persists in ClickHouse.

The visit rule, the tombstones and the bot tally are the store's, shared with the SQL writer;
this module only looks up the open visits and persists a batch:

- visit ids are random 63-bit numbers drawn by the writer (ClickHouse has no auto-increment;
  a collision among a billion visits has a chance of about one in ten thousand million);
- a changed visit is inserted again whole with a higher ``version`` (ReplacingMergeTree);
- ``seq`` numbers the events in the order they are written, from the writer's clock in
  microseconds times 1000, never going backwards within a process (the profiles' cursor);
- an event id already stored is not stored again (a resent batch): the batch asks the table
  for its ids within the batch's time range, which the bloom filter index answers cheaply.
"""

from __future__ import annotations

import datetime
import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ..models import EVENT_COLUMNS
from . import client
from .schema import VISIT_COLUMNS

VISIT_GAP = datetime.timedelta(minutes=30)
_FIELDS = tuple(name for name in VISIT_COLUMNS if name not in ("id", "version"))
_seq_lock = threading.Lock()
_insert_lock = threading.Lock()
_last_seq = [0]


# an event row as the writer inserts it: the SQL store's columns with the writer's sequence
# number first and the visit's start (the table's sort key) after the visit
INSERTED_EVENT_COLUMNS = ["seq", "event_id", "visit_id", "visit_started_at", *EVENT_COLUMNS[2:]]


def next_seq(count: int) -> int:
    """The first of ``count`` new sequence numbers (increasing within the process)."""
    with _seq_lock:
        first = max(_last_seq[0] + 1, time.time_ns() // 1000 * 1000)
        _last_seq[0] = first + max(count, 1) - 1
    return first


def seq_of(moment: datetime.datetime) -> int:
    """The sequence numbers handed out before ``moment`` (naive UTC) are below this."""
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1_000_000) * 1000


def new_visit_id() -> int:
    return secrets.randbits(63) or 1


def latest_visits(
    visitors: Sequence[str], earliest: datetime.datetime
) -> dict[str, dict[str, Any]]:
    """The newest visit of each visitor last seen from ``earliest`` on, every column.

    An older visit cannot matter: an event 30 minutes or more after a visit's last event
    opens a new one, so the writer asks only from its batch's first event minus the gap."""
    if not visitors:
        return {}
    names = ", ".join(VISIT_COLUMNS)
    rows = client.query(
        f"SELECT {names} FROM visit FINAL"  # noqa: S608 - column names are ours
        " WHERE visitor_id IN {visitors:Array(String)}"
        " AND last_seen_at >= {earliest:DateTime64(3, 'UTC')}"
        " ORDER BY visitor_id, started_at DESC, id DESC LIMIT 1 BY visitor_id",
        {"visitors": list(visitors), "earliest": earliest - VISIT_GAP},
    )
    found = {}
    for row in rows:
        values = dict(zip(VISIT_COLUMNS, row, strict=True))
        found[values["visitor_id"]] = values
    return found


def known_event_ids(rows: Sequence[Sequence[Any]]) -> set[str]:
    """Which of the rows' event ids are stored already."""
    if not rows:
        return set()
    times = [row[5] for row in rows]
    found = client.query(
        "SELECT event_id FROM event WHERE event_id IN {ids:Array(String)}"
        " AND occurred_at >= {first:DateTime64(3, 'UTC')}"
        " AND occurred_at <= {last:DateTime64(3, 'UTC')}",
        {"ids": sorted({row[0] for row in rows}), "first": min(times), "last": max(times)},
    )
    return {str(row[0]) for row in found}


class Figures:
    """A visit's own figures, from its events (what the reports read of a visit)."""

    def __init__(self) -> None:
        self.paths: dict[str, list[int]] = {}  # path -> [page views, engaged ms]
        self.clicks: dict[tuple[str, str], int] = {}  # (target, name) -> clicks
        self.converted = 0

    def add(self, path: str, kind: str, target: str, name: str, count: int, engaged: int) -> None:
        item = self.paths.setdefault(path, [0, 0])
        item[1] += engaged
        if kind == "pageview":
            item[0] += count
        elif kind == "click":
            self.clicks[target, name] = self.clicks.get((target, name), 0) + count
        elif kind == "conversion":
            self.converted = 1

    def columns(self) -> dict[str, Any]:
        paths = sorted(self.paths.items())
        clicks = sorted(self.clicks.items())
        return {
            "pageviews": sum(item[0] for _path, item in paths),
            "clicks": sum(count for _key, count in clicks),
            "engaged_ms": sum(item[1] for _path, item in paths),
            "converted": self.converted,
            "page_paths": [path for path, _item in paths],
            "page_views": [item[0] for _path, item in paths],
            "page_engaged": [item[1] for _path, item in paths],
            "click_targets": [key[0] for key, _count in clicks],
            "click_names": [key[1] for key, _count in clicks],
            "click_counts": [count for _key, count in clicks],
        }


def save(visits: Iterable[dict[str, Any]], rows: Sequence[Sequence[Any]]) -> int:
    """Insert the batch's new and changed visits (each with every column), then its events
    (in the store's column order) not stored before; returns the events inserted.

    A visit's figures are those of its events already in the table plus the batch's new ones.
    Visits go first: a batch that fails between the two inserts is retried whole, finds its
    visits, and counts the same figures again from the table (which does not hold the failed
    events) plus the same new events, so a retry never counts an event twice."""
    visits = list(visits)
    started = {visit["id"]: visit["started_at"] for visit in visits}
    known = known_event_ids(rows)
    fresh, seen = [], set(known)
    for row in rows:
        if row[0] in seen:
            continue
        seen.add(row[0])
        fresh.append(row)
    figures = _stored_figures(visits)
    for row in fresh:
        figures.setdefault(row[1], Figures()).add(
            row[7], row[4], row[8], row[9], 1, int(row[10] or 0)
        )
    for visit in visits:
        visit.update(figures.get(visit["id"], Figures()).columns())
    version = next_seq(1)
    client.insert(
        "visit",
        [(visit["id"], version, *(visit[name] for name in _FIELDS)) for visit in visits],
        list(VISIT_COLUMNS),
    )
    if not fresh:
        return 0
    missing = {row[1] for row in fresh} - set(started)
    if missing:
        started.update(_visit_starts(missing))
    # numbered and inserted under one lock: within a process the numbers become visible in
    # their order, so the profiles' cursor can never pass one still being inserted
    with _insert_lock:
        first = next_seq(len(fresh))
        client.insert(
            "event",
            [
                (first + index, row[0], row[1], started[row[1]], *row[2:])
                for index, row in enumerate(fresh)
            ],
            INSERTED_EVENT_COLUMNS,
        )
    return len(fresh)


def _stored_figures(visits: Sequence[dict[str, Any]]) -> dict[int, Figures]:
    """The figures of the events of these visits stored already."""
    if not visits:
        return {}
    starts = [visit["started_at"] for visit in visits]
    found = client.query(
        "SELECT visit_id, path, type, target, name, count(), sum(engaged_ms) FROM event"
        " WHERE visit_id IN {ids:Array(UInt64)}"
        " AND visit_started_at >= {first:DateTime64(3, 'UTC')}"
        " AND visit_started_at <= {last:DateTime64(3, 'UTC')}"
        " GROUP BY visit_id, path, type, target, name",
        {
            "ids": sorted({visit["id"] for visit in visits}),
            "first": min(starts),
            "last": max(starts),
        },
    )
    figures: dict[int, Figures] = {}
    for visit_id, path, kind, target, name, count, engaged in found:
        figures.setdefault(int(visit_id), Figures()).add(
            path, kind, target, name, int(count), int(engaged)
        )
    return figures


def _visit_starts(ids: Iterable[int]) -> dict[int, datetime.datetime]:
    rows = client.query(
        "SELECT id, any(started_at) FROM visit WHERE id IN {ids:Array(UInt64)} GROUP BY id",
        {"ids": sorted(ids)},
    )
    return {int(row[0]): row[1] for row in rows}
