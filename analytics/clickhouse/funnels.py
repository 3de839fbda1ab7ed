"""A funnel's events from ClickHouse: what ``analytics.funnels.report`` reads from the site's
database, the same rows in the same order, when the events live here.

One statement: the events of the visits started in the period (and passing the filters) that
match any step, each with a bit per step it matches, ordered by visitor, time and the writer's
sequence (the SQL store's event id). The event table carries each event's visit start, so the
period reads the events by their sorting key; only a filter needs the visit table.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from ..funnels.models import Step
from ..querying import Filters, Period
from . import client
from .reports import TIME, _where


def _match(step: Step, index: int) -> tuple[str, dict[str, object]]:
    """The condition (on the event table) of one step, with its bound parameters."""
    name = f"s{index}"
    if step.kind == "page":
        if step.wildcard:
            return f"(type = 'pageview' AND startsWith(path, {{{name}:String}}))", {
                name: step.prefix
            }
        return f"(type = 'pageview' AND path = {{{name}:String}})", {name: step.value}
    if step.kind == "click":
        return (
            f"(type = 'click' AND (name = {{{name}:String}} OR target = {{{name}:String}}))",
            {name: step.value},
        )
    return f"(type = 'conversion' AND name = {{{name}:String}})", {name: step.value}


def step_events(
    steps: Sequence[Step], period: Period, filters: Filters
) -> list[tuple[str, int, datetime.datetime, int]]:
    """(visitor id, visit id, time, bits of the steps matched) of every event of the visits
    started in ``period`` passing ``filters`` that matches a step, in visitor and time order."""
    start, end = period.bounds()
    params: dict[str, object] = {"start": start, "end": end}
    bits = []
    for index, step in enumerate(steps):
        condition, own = _match(step, index)
        params.update(own)
        bits.append(f"if({condition}, {1 << index}, 0)")
    visits = ""
    if filters.active():
        where, own = _where(filters, start, end, "v_")
        params.update(own)
        visits = f" AND visit_id IN (SELECT id FROM visit FINAL WHERE {where})"  # noqa: S608
    kinds = sorted({"pageview" if step.kind == "page" else step.kind for step in steps})
    params["kinds"] = kinds
    sql = (
        "SELECT visitor_id, visit_id, occurred_at, mask FROM"  # noqa: S608 - bound parameters
        f" (SELECT visitor_id, visit_id, occurred_at, seq, toUInt8({' + '.join(bits)}) AS mask"
        f" FROM event WHERE visit_started_at >= {{start:{TIME}}}"
        f" AND visit_started_at < {{end:{TIME}}} AND type IN {{kinds:Array(String)}}{visits})"
        " WHERE mask > 0 ORDER BY visitor_id, occurred_at, seq"
    )
    rows: list[tuple[Any, ...]] = client.query(sql, params)
    return [(str(row[0]), int(row[1]), row[2], int(row[3])) for row in rows]
