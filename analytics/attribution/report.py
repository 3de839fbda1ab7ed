"""The report "Inquiries and customers by source / campaign / landing page", from the site's
leads (``Host.site_leads``) and the touches the site keeps with them.

Definitions (the page states them too, ``_definitions.html``):

- **lead**: an inquiry (contact, quote or demo form, or one staff took by phone) created in
  the period; a **course sign-up** is counted beside it, it has no sales pipeline;
- **qualified**: a lead that reached ``kvalificerad`` in the CRM, or went on to ``vunnen``
  (also when it was lost afterwards);
- **won**: a lead whose status is ``vunnen`` now;
- **rates**: qualified / leads and won / leads of the row;
- **days to win**: from the lead's arrival to its move to ``vunnen``, the median of the row's
  won leads (a lead marked won without a dated move has no such time);
- **unknown**: a lead without touches (no statistics consent when it was sent, taken by phone,
  or its visits were no longer stored); it cannot match a filter, so with a filter set it is
  left out.

Every row is computed once for the first touch and once for the last touch (``touches``).
Filters (page = the landing page, country, device, browser, source, campaign) apply to the
touch of the side they are shown on.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..host import SiteLead, Touch
from ..querying import Filters, Period
from ..state import current

DIMENSIONS = ("campaign", "source", "landing")
DEFAULT_DIMENSION = "campaign"
MODELS = ("first", "last")
COURSE = "course"
WON = "vunnen"
QUALIFIED = ("kvalificerad", "vunnen")
# (column, kind) of a report row, the CSV's columns after model and key
COLUMNS = (
    ("leads", "int"),
    ("signups", "int"),
    ("qualified", "int"),
    ("won", "int"),
    ("qualified_rate", "percent"),
    ("won_rate", "percent"),
    ("median_days_to_win", "decimal"),
)
SUMMARY_ROWS = 5


@dataclass
class Row:
    """One key's figures under one attribution model (``key`` None: the unknown row)."""

    key: str | None
    leads: int = 0
    signups: int = 0
    qualified: int = 0
    won: int = 0
    days_to_win: list[float] = field(default_factory=list)

    def add(self, lead: SiteLead) -> None:
        if lead.kind == COURSE:
            self.signups += 1
            return
        self.leads += 1
        if lead.status in QUALIFIED or lead.qualified_at is not None:
            self.qualified += 1
        if lead.status == WON:
            self.won += 1
            if lead.won_at is not None and lead.won_at >= lead.created_at:
                self.days_to_win.append((lead.won_at - lead.created_at).total_seconds() / 86400)

    @property
    def qualified_rate(self) -> float | None:
        return self.qualified / self.leads if self.leads else None

    @property
    def won_rate(self) -> float | None:
        return self.won / self.leads if self.leads else None

    @property
    def median_days_to_win(self) -> float | None:
        return statistics.median(self.days_to_win) if self.days_to_win else None

    def values(self) -> list[Any]:
        """The figures in the order of ``COLUMNS``."""
        return [getattr(self, name) for name, _kind in COLUMNS]


@dataclass
class Side:
    """The rows of one attribution model: known keys first (most leads first), unknown last."""

    model: str
    rows: list[Row]
    total: Row


@dataclass
class Report:
    dimension: str
    sides: dict[str, Side]
    pending: int  # leads whose touches the site has not looked up yet (unknown for now)

    def csv_rows(self) -> list[list[Any]]:
        out = []
        for model in MODELS:
            for row in self.sides[model].rows:
                values = [
                    round(value, 4) if isinstance(value, float) else value for value in row.values()
                ]
                out.append([model, "" if row.key is None else row.key, *values])
        return out


def csv_columns() -> list[str]:
    return ["model", "key", *(name for name, _kind in COLUMNS)]


def touch_of(lead: SiteLead, model: str) -> Touch | None:
    return lead.first_touch if model == "first" else lead.last_touch


def key_of(touch: Touch, dimension: str) -> str:
    if dimension == "source":
        return touch.source
    if dimension == "campaign":
        return touch.campaign
    return touch.landing


def matches(touch: Touch | None, filters: Filters) -> bool:
    """Whether a touch passes the filters (no touch passes none, and every empty set)."""
    wanted = filters.active()
    if not wanted:
        return True
    if touch is None:
        return False
    values = {
        "page": touch.landing,
        "country": touch.country,
        "device": touch.device,
        "browser": touch.browser,
        "source": touch.source,
        "campaign": touch.campaign,
    }
    return all(values[name] == value for name, value in wanted.items())


def side(leads: Iterable[SiteLead], model: str, dimension: str, filters: Filters) -> Side:
    rows: dict[str | None, Row] = {}
    total = Row("")
    for lead in leads:
        touch = touch_of(lead, model)
        if not matches(touch, filters):
            continue
        key = None if touch is None else key_of(touch, dimension)
        rows.setdefault(key, Row(key)).add(lead)
        total.add(lead)
    ordered = sorted(
        (row for key, row in rows.items() if key is not None),
        key=lambda row: (-row.leads, -row.won, -row.signups, row.key or ""),
    )
    if None in rows:
        ordered.append(rows[None])
    return Side(model, ordered, total)


def build(leads: list[SiteLead], dimension: str, filters: Filters, pending: int = 0) -> Report:
    """The report of these leads per ``dimension`` under both models."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    return Report(
        dimension,
        {model: side(leads, model, dimension, filters) for model in MODELS},
        pending,
    )


@dataclass(frozen=True)
class CampaignSummary:
    """One campaign of the overview's short list: its leads and wins under both models."""

    campaign: str
    first: Row
    last: Row


def top_campaigns(
    leads: list[SiteLead], filters: Filters | None = None, limit: int = SUMMARY_ROWS
) -> list[CampaignSummary]:
    """The campaigns with the most won leads (first and last touch together), for a short
    list on the dashboard's overview; leads of no campaign are left out."""
    filters = filters or Filters()
    sides = {model: side(leads, model, "campaign", filters) for model in MODELS}
    by_key = {model: {row.key: row for row in sides[model].rows} for model in MODELS}
    keys = {key for model in MODELS for key in by_key[model] if key}
    found = [
        CampaignSummary(
            key, by_key["first"].get(key) or Row(key), by_key["last"].get(key) or Row(key)
        )
        for key in keys
    ]
    found.sort(
        key=lambda item: (
            -(item.first.won + item.last.won),
            -(item.first.leads + item.last.leads),
            item.campaign,
        )
    )
    return found[:limit]


def top_campaigns_in(
    period: Period, filters: Filters, limit: int = SUMMARY_ROWS
) -> list[CampaignSummary]:
    """``top_campaigns`` of the leads the site made in ``period``: what the dashboard's overview
    passes to ``analytics/attribution/_summary.html`` as ``top_campaigns``."""
    return top_campaigns(current().host.site_leads(period.first, period.last), filters, limit)
