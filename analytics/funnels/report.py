"""How many visitors reach each step of a funnel in a period, with the dashboard's filters.

Definitions (the README and the report page say the same):

- **Visitors** are distinct visitor ids (the statistics cookie), as everywhere on the dashboard.
- Only the events of visits that **started in the period and pass the filters** count, as in
  every other report: with ``?source=campaign`` a step made in a later direct visit is not seen.
- **In order**: a visitor reaches step *n* with an event matching it that comes after one that
  reached step *n − 1* (time order; events at the same moment in the order they were stored).
  One event counts for one step only, so "/produkter/*" twice means two product page views.
- **Window**: "visit" wants every step in one visit; "30d" wants the last step at most 30 days
  after the first (each visitor's best try: a later first step leaves more time for the rest).
- A step's **rate** is its visitors divided by the previous step's (step-to-step) and by the
  first step's (overall); **drop-off** is the previous step's visitors who did not reach it.

One query fetches only the events that match some step -- visitor, visit, time and a bit per
step -- ordered by visitor and time, and one linear pass counts (``count_reached``): the
database does the sorting and the filtering, Python holds one visitor's state at a time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..clickhouse import client as clickhouse
from ..clickhouse import funnels as clickhouse_funnels
from ..querying import Filters, Period, query, visit_filter_sql
from .models import Funnel, Step

# (visitor id, visit id, time, bits of the steps the event matches)
StepEvent = tuple[str, int, Any, int]


def _time(value: Any) -> datetime.datetime:
    """A time as the database returns it (SQLite: ISO text) as a naive datetime."""
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))


def _match_sql(step: Step) -> tuple[str, list[object]]:
    """The condition (on event alias e) of one step. The values are compared as they are:
    ``substr`` for a wildcard, never LIKE, so ``%`` and ``_`` in a path stay characters."""
    if step.kind == "page":
        if step.wildcard:
            return "(e.type = 'pageview' AND substr(e.path, 1, ?) = ?)", [
                len(step.prefix),
                step.prefix,
            ]
        return "(e.type = 'pageview' AND e.path = ?)", [step.value]
    if step.kind == "click":
        return "(e.type = 'click' AND (e.name = ? OR e.target = ?))", [step.value, step.value]
    return "(e.type = 'conversion' AND e.name = ?)", [step.value]


def step_events(steps: Sequence[Step], period: Period, filters: Filters) -> list[StepEvent]:
    """The events that match any step, of the visits started in the period passing the
    filters, in visitor and time order (from ClickHouse when the events live there)."""
    if clickhouse.active():
        return list(clickhouse_funnels.step_events(steps, period, filters))
    conditions = [_match_sql(step) for step in steps]
    mask = " + ".join(
        f"CASE WHEN {condition} THEN {1 << index} ELSE 0 END"
        for index, (condition, _params) in enumerate(conditions)
    )
    where, where_params = visit_filter_sql(filters, *period.bounds())
    params: list[object] = [value for _condition, own in conditions for value in own]
    params += where_params
    params += [value for _condition, own in conditions for value in own]
    rows = query(
        f"SELECT e.visitor_id, e.visit_id, e.occurred_at, {mask}"  # noqa: S608 - bound values
        " FROM event e JOIN visit v ON v.id = e.visit_id"
        f" WHERE {where} AND ({' OR '.join(condition for condition, _own in conditions)})"
        " ORDER BY e.visitor_id, e.occurred_at, e.id",
        params,
    )
    return [(row[0], row[1], row[2], int(row[3])) for row in rows]


def count_reached(
    events: Iterable[StepEvent], steps: int, window: datetime.timedelta | None
) -> list[int]:
    """Visitors who reached each step, from ``events`` in visitor and time order.

    ``window`` None: all steps in one visit; else the last at most ``window`` after the first.
    Per visitor (per visit for None) and step, the latest time a first step was made that
    leads up to that step so far: a later start leaves more room, so it is the only one worth
    keeping. An event moves a chain from step k - 1 to k when it matches step k and lies within
    the window of that start; the steps of one event are tried from the last one down, so one
    event never counts twice."""
    reached = [0] * steps
    visitor: str | None = None
    best = 0
    # times are kept as the database gave them and read only where a window is measured (a
    # first step, the most common event, only needs remembering)
    starts: dict[int, list[Any]] = {}
    for who, visit, at, bits in events:
        if who != visitor:
            for level in range(best):
                reached[level] += 1
            visitor, best, starts = who, 0, {}
        key = visit if window is None else 0
        chain = starts.get(key)
        if chain is None:
            chain = starts[key] = [None] * steps
        if bits == 1:
            chain[0] = at
            best = best or 1
            continue
        for level in range(steps - 1, -1, -1):
            if not bits >> level & 1:
                continue
            if level == 0:
                chain[0] = at
            else:
                start = chain[level - 1]
                if start is None or (window is not None and _time(at) - _time(start) > window):
                    continue
                chain[level] = start
            best = max(best, level + 1)
    for level in range(best):
        reached[level] += 1
    return reached


@dataclass(frozen=True)
class StepRow:
    """One step of the report: its visitors, the rates, and who dropped off before it."""

    number: int
    step: Step
    visitors: int
    rate_from_previous: float | None  # None for the first step
    rate_from_first: float
    dropped: int  # the previous step's visitors who did not reach this one (0 for the first)
    drop_rate: float | None  # dropped / the previous step's visitors (None for the first)


# the CSV file's columns, in order (the README lists them)
CSV_COLUMNS = [
    "step",
    "kind",
    "value",
    "visitors",
    "rate_from_previous",
    "rate_from_first",
    "dropped",
    "drop_rate",
]


@dataclass(frozen=True)
class FunnelReport:
    """A funnel counted for one period and set of filters."""

    funnel_id: int
    name: str
    within: str
    rows: list[StepRow]

    @property
    def entered(self) -> int:
        return self.rows[0].visitors if self.rows else 0

    @property
    def completed(self) -> int:
        return self.rows[-1].visitors if self.rows else 0

    def csv_rows(self) -> list[list[object]]:
        """The rows as the CSV file has them (rates rounded as the dashboard's files)."""

        def rounded(rate: float | None) -> float | str:
            return "" if rate is None else round(rate, 4)

        return [
            [
                row.number,
                row.step.kind,
                row.step.value,
                row.visitors,
                rounded(row.rate_from_previous),
                rounded(row.rate_from_first),
                row.dropped,
                rounded(row.drop_rate),
            ]
            for row in self.rows
        ]


def rows_of(steps: Sequence[Step], reached: Sequence[int]) -> list[StepRow]:
    """The report's rows from the visitors who reached each step."""
    rows = []
    first = reached[0] if reached else 0
    for index, (step, visitors) in enumerate(zip(steps, reached, strict=True)):
        if index == 0:
            rows.append(StepRow(1, step, visitors, None, 1.0 if visitors else 0.0, 0, None))
            continue
        before = reached[index - 1]
        rows.append(
            StepRow(
                index + 1,
                step,
                visitors,
                visitors / before if before else 0.0,
                visitors / first if first else 0.0,
                before - visitors,
                (before - visitors) / before if before else 0.0,
            )
        )
    return rows


def report(funnel: Funnel, period: Period, filters: Filters) -> FunnelReport:
    """Count ``funnel`` for the visits started in ``period`` that pass ``filters``."""
    steps = funnel.steps
    reached = count_reached(step_events(steps, period, filters), len(steps), funnel.window)
    return FunnelReport(funnel.id, funnel.name, funnel.within, rows_of(steps, reached))
