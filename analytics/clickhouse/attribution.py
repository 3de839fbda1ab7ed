"""The campaign-to-customer lookups in ClickHouse: conversion events by id, and the visits of
their visitors in a window (``analytics.attribution.touches`` decides first and last touch)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from . import client
from .people import visits_where


def conversions(event_ids: Sequence[str]) -> list[tuple[str, str, int, datetime.datetime]]:
    """(event id, visitor id, visit id, when) of the stored conversion events among these ids."""
    if not event_ids:
        return []
    rows = client.query(
        "SELECT event_id, visitor_id, visit_id, occurred_at FROM event"
        " WHERE type = 'conversion' AND event_id IN {ids:Array(String)}"
        " ORDER BY occurred_at, seq",
        {"ids": list(event_ids)},
    )
    return [(str(r[0]), str(r[1]), int(r[2]), r[3]) for r in rows]


def visits(
    visitors: Sequence[str], start: datetime.datetime, end: datetime.datetime
) -> list[dict[str, Any]]:
    """The visits of these browsers started from ``start`` to ``end`` (both included), oldest
    first, with their page views (the writer keeps each visit's count on its row)."""
    if not visitors:
        return []
    return visits_where(
        "visitor_id IN {visitors:Array(String)}"
        " AND started_at >= {start:DateTime64(3, 'UTC')}"
        " AND started_at <= {end:DateTime64(3, 'UTC')}",
        {"visitors": list(visitors), "start": start, "end": end},
    )


def conversion_events(names: Sequence[str]) -> list[tuple[str, str, datetime.datetime]]:
    """(event id, name, when) of every conversion event called one of ``names``, oldest first."""
    rows = client.query(
        "SELECT event_id, name, occurred_at FROM event WHERE type = 'conversion'"
        " AND name IN {names:Array(String)} ORDER BY occurred_at, seq",
        {"names": list(names)},
    )
    return [(str(r[0]), str(r[1]), r[2]) for r in rows]
