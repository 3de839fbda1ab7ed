"""A person's rows in ClickHouse: the export, the erasure, the end of profiling, retention.

Deletions are lightweight DELETEs with ``lightweight_deletes_sync = 2``: the statement returns
once the rows are masked on every replica, so from the person's view they are gone at once
(every read, the reports included, skips them); the bytes leave the disk at the next merge of
their parts. ``analytics.subjects`` lays the tombstones in the SQL database first, inside the
transaction that orders the erasure against the writers (``ErasureTombstone.serialise``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from . import client
from .schema import EVENT_COLUMNS, VISIT_COLUMNS
from .writer import next_seq

VISIT_NAMES = tuple(name for name in VISIT_COLUMNS if name != "version")
EVENT_NAMES = tuple(name for name in EVENT_COLUMNS if name not in ("visit_started_at",))
DELETE_SETTINGS = " SETTINGS lightweight_deletes_sync = 2"


def visits_where(
    where: str, params: dict[str, object], order: str = "started_at, id"
) -> list[dict[str, Any]]:
    """Visits (newest version, every column but ``version``) matching ``where``, our SQL."""
    rows = client.query(
        f"SELECT {', '.join(VISIT_NAMES)} FROM visit FINAL WHERE {where} ORDER BY {order}",  # noqa: S608
        params,
    )
    return [dict(zip(VISIT_NAMES, row, strict=True)) for row in rows]


def events_of(visit_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The events of these visits, oldest first (then in the order they were written)."""
    if not visit_ids:
        return []
    rows = client.query(
        f"SELECT {', '.join(EVENT_NAMES)} FROM event"  # noqa: S608
        " WHERE visit_id IN {ids:Array(UInt64)} ORDER BY occurred_at, seq",
        {"ids": list(visit_ids)},
    )
    return [dict(zip(EVENT_NAMES, row, strict=True)) for row in rows]


def linked_visits(user_id: int) -> list[dict[str, Any]]:
    """The user's visits: made logged in, or holding an event made logged in."""
    return visits_where(
        "user_id = {user:Int64} OR id IN (SELECT visit_id FROM event WHERE user_id = {user:Int64})",
        {"user": user_id},
    )


def visitors_of(user_id: int) -> set[str]:
    """Every browser the user was seen with (their visits' and events' visitor ids)."""
    rows = client.query(
        "SELECT visitor_id FROM visit WHERE user_id = {user:Int64}"
        " UNION DISTINCT SELECT visitor_id FROM event WHERE user_id = {user:Int64}",
        {"user": user_id},
    )
    return {str(row[0]) for row in rows}


def erase(user_id: int | None, visitors: Sequence[str]) -> dict[str, int]:
    """Delete every event and visit of the user (None: no account) or of these browsers;
    counts of what went."""
    who = _who(user_id, visitors)
    if who is None:
        return {"events": 0, "visits": 0}
    where, params = who
    events = int(client.scalar(f"SELECT count() FROM event WHERE {where}", params) or 0)  # noqa: S608
    visits = int(client.scalar(f"SELECT count() FROM visit FINAL WHERE {where}", params) or 0)  # noqa: S608
    if events:
        client.command(f"DELETE FROM event WHERE {where}" + DELETE_SETTINGS, params)  # noqa: S608
    # every version of each visit: they share the visitor id
    client.command(f"DELETE FROM visit WHERE {where}" + DELETE_SETTINGS, params)  # noqa: S608
    return {"events": events, "visits": visits}


def purge(cutoff: datetime.datetime) -> tuple[int, int]:
    """Delete events that happened, and visits last seen, before ``cutoff``: (events, visits).

    The tables' TTL does the same at merges; this makes the rule hold to the hour."""
    params: dict[str, object] = {"cutoff": cutoff}
    events = int(
        client.scalar(
            "SELECT count() FROM event WHERE occurred_at < {cutoff:DateTime64(3, 'UTC')}", params
        )
        or 0
    )
    visits = int(
        client.scalar(
            "SELECT count() FROM visit FINAL WHERE last_seen_at < {cutoff:DateTime64(3, 'UTC')}",
            params,
        )
        or 0
    )
    if events:
        client.command(
            "DELETE FROM event WHERE occurred_at < {cutoff:DateTime64(3, 'UTC')}"  # noqa: S608
            + DELETE_SETTINGS,
            params,
        )
    if visits or client.scalar(
        "SELECT 1 FROM visit WHERE last_seen_at < {cutoff:DateTime64(3, 'UTC')} LIMIT 1", params
    ):
        # older versions of a visit seen since go too; its newest version stays
        client.command(
            "DELETE FROM visit WHERE last_seen_at < {cutoff:DateTime64(3, 'UTC')}"  # noqa: S608
            + DELETE_SETTINGS,
            params,
        )
    return events, visits


def _who(user_id: int | None, visitors: Sequence[str]) -> tuple[str, dict[str, object]] | None:
    clauses: list[str] = []
    params: dict[str, object] = {}
    if visitors:
        clauses.append("visitor_id IN {visitors:Array(String)}")
        params["visitors"] = list(visitors)
    if user_id is not None:
        clauses.append("user_id = {user:Int64}")
        params["user"] = user_id
    if not clauses:
        return None
    return "(" + " OR ".join(clauses) + ")", params


def stop_profiling(user_id: int | None, visitors: Sequence[str]) -> int:
    """Clear the profiling flag on the visits of the user or these browsers; how many.

    A new version of each such visit with the flag off (the table keeps the newest)."""
    who = _who(user_id, visitors)
    if who is None:
        return 0
    where, params = who
    count = int(
        client.scalar(f"SELECT count() FROM visit FINAL WHERE {where} AND profiling", params) or 0  # noqa: S608
    )
    if count:
        columns = ", ".join(VISIT_COLUMNS)
        chosen = ", ".join(
            "{version:UInt64}" if name == "version" else "false" if name == "profiling" else name
            for name in VISIT_COLUMNS
        )
        client.command(
            f"INSERT INTO visit ({columns}) SELECT {chosen} FROM visit FINAL"  # noqa: S608
            f" WHERE {where} AND profiling",
            {**params, "version": next_seq(1)},
        )
    return count


def timeline(
    visitors: Sequence[str], user_id: int | None, limit: int
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The latest profiled visits of these browsers (or of the user), each with its events."""
    who = _who(user_id, visitors)
    if who is None:
        return []
    where, params = who
    visits = visits_where(
        f"{where} AND profiling", params, f"started_at DESC, id DESC LIMIT {int(limit)}"
    )
    events: dict[int, list[dict[str, Any]]] = {visit["id"]: [] for visit in visits}
    for event in events_of(list(events)):
        events[event["visit_id"]].append(event)
    return [(visit, events[visit["id"]]) for visit in visits]


def sent_conversions(names: Iterable[str]) -> list[tuple[str, datetime.datetime]]:
    """(name, when) of every conversion event called one of ``names``, oldest first."""
    rows = client.query(
        "SELECT name, occurred_at FROM event WHERE type = 'conversion'"
        " AND name IN {names:Array(String)} ORDER BY occurred_at, seq",
        {"names": sorted(set(names))},
    )
    return [(str(name), when) for name, when in rows]


def counts() -> dict[str, int]:
    """Events, visits and distinct visitors stored (``winlas analytics stats``)."""
    events = int(client.scalar("SELECT count() FROM event") or 0)
    row = client.query("SELECT count(), uniqExact(visitor_id) FROM visit FINAL")[0]
    return {"events": events, "visits": int(row[0]), "visitors": int(row[1])}


# the interest profiles' input ----------------------------------------------------------------


def newest_seq() -> int:
    """The highest event sequence number stored (0 without events)."""
    return int(client.scalar("SELECT max(seq) FROM event") or 0)


def seq_after(low: int, count: int, ceiling: int) -> int:
    """The sequence number ``count`` events after ``low`` (at most ``ceiling``): a batch."""
    found = client.scalar(
        "SELECT seq FROM event WHERE seq > {low:UInt64} AND seq <= {ceiling:UInt64}"
        " ORDER BY seq LIMIT 1 OFFSET {skip:UInt64}",
        {"low": low, "ceiling": ceiling, "skip": max(count - 1, 0)},
    )
    return ceiling if found is None else int(found)


def profiled_events(
    low: int, high: int, opted_out: Sequence[str]
) -> list[tuple[str, int | None, str, datetime.datetime, str, str]]:
    """(visitor, user id, type, when, path, target) of the events with sequence numbers in
    (low, high] whose visit may be profiled and whose browser did not object, in order."""
    rows = client.query(
        "SELECT e.visitor_id, coalesce(e.user_id, v.user_id), e.type, e.occurred_at, e.path,"
        " e.target FROM event AS e INNER JOIN (SELECT id, user_id FROM visit FINAL"
        " WHERE profiling AND id IN (SELECT visit_id FROM event"
        " WHERE seq > {low:UInt64} AND seq <= {high:UInt64})) AS v ON v.id = e.visit_id"
        " WHERE e.seq > {low:UInt64} AND e.seq <= {high:UInt64}"
        " AND e.visitor_id NOT IN {opted:Array(String)} ORDER BY e.seq",
        {"low": low, "high": high, "opted": list(opted_out)},
    )
    return [(str(r[0]), r[1], str(r[2]), r[3], str(r[4]), str(r[5])) for r in rows]
