"""The figures of the weekly digest: one week against the week before.

A week is Monday to Sunday in UTC days, the days every report of the dashboard is counted in
(a visit belongs to the UTC day it started): the digest reads the same reports
(``analytics.reports``) for a custom seven-day period, so its numbers are the ones a marketer
finds on the dashboard for those seven days.

- **Key figures**: unique visitors, visits, page views, bounce rate and average visit length,
  each with the week before and the relative change.
- **Movers**: among pages (by page views), sources and campaigns (by visits), the entries
  whose count grew most and fell most, by the absolute difference between the two weeks,
  ``MOVERS`` of each. An entry only in this week is *new*, one only in the week before is
  *gone*; both are movers like any other (their difference is their whole count). Visits
  without a campaign are not a campaign and are left out.
- **New leads**: the inquiries and course sign-ups the site created in the week
  (``Host.site_leads``), counted by the source of their last touch, as the campaign report
  credits them (``lead_source``); a lead without one (no statistics consent) counts as unknown.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import clock, reports
from .host import SiteLead
from .querying import EARLIEST_DAY, Filters, Period, Row
from .state import current

# how many entries grew most (and fell most) per dimension
MOVERS = 5
# the dimensions with movers, and the count that moves in each (a page is seen, not visited)
MOVER_MEASURES = {"page": "pageviews", "source": "visits", "campaign": "visits"}
# every key of a week: more than any site has pages in a week
ALL_ROWS = 100_000
# the key figures, in the order the email shows them
FIGURES = ("visitors", "visits", "pageviews", "bounce_rate", "avg_visit_seconds")
# a lead whose visits were not measured (no statistics consent) has no known source
UNKNOWN_SOURCE = ""


@dataclass(frozen=True)
class Figure:
    """One key figure: ``name`` (one of ``FIGURES``), this week and the week before."""

    name: str
    current: float
    previous: float

    @property
    def change(self) -> float | None:
        """Relative change (0.25 = +25 %); None when the week before had nothing."""
        return reports.change(self.current, self.previous)


@dataclass(frozen=True)
class Mover:
    """An entry of a dimension whose count changed between the two weeks."""

    key: str
    current: int
    previous: int

    @property
    def difference(self) -> int:
        return self.current - self.previous

    @property
    def status(self) -> str:
        """``new`` (not seen the week before), ``gone`` (not seen this week), else ``""``."""
        if not self.previous:
            return "new"
        if not self.current:
            return "gone"
        return ""


@dataclass(frozen=True)
class Movers:
    """The entries of one dimension that grew most (``up``) and fell most (``down``)."""

    dimension: str
    measure: str
    up: tuple[Mover, ...]
    down: tuple[Mover, ...]


@dataclass(frozen=True)
class LeadCount:
    """New leads of one source in the week and the week before (``""``: unknown)."""

    key: str
    current: int
    previous: int


@dataclass(frozen=True)
class WeeklyFigures:
    """Everything the digest says about one week (``week``) and the week before."""

    week: Period
    previous_week: Period
    figures: tuple[Figure, ...]
    movers: tuple[Movers, ...]
    leads: tuple[LeadCount, ...]

    @property
    def new_leads(self) -> int:
        return sum(count.current for count in self.leads)

    @property
    def previous_leads(self) -> int:
        return sum(count.previous for count in self.leads)


# ------------------------------------------------------------------------------ weeks


def week_of(day: datetime.date) -> Period:
    """The Monday-to-Sunday week holding ``day``."""
    monday = day - datetime.timedelta(days=day.weekday())
    return Period(monday, monday + datetime.timedelta(days=6))


def last_complete_week(today: datetime.date) -> Period:
    """The latest week whose Sunday is before ``today`` (on a Monday: the week just ended)."""
    return week_of(today - datetime.timedelta(days=7))


def checked_week(monday: datetime.date, today: datetime.date) -> Period:
    """The week starting on ``monday``; ValueError unless it is a Monday of a week that has
    ended before ``today`` and is not before the first day anything was measured."""
    if monday.weekday() != 0:
        raise ValueError("a week starts on a Monday")
    # compared before any arithmetic: a week near date.min has no week before it
    if monday < EARLIEST_DAY + datetime.timedelta(days=7):
        raise ValueError("the week is too early")
    week = week_of(monday)
    if week.last >= today:
        raise ValueError("the week has not ended yet")
    return week


# ------------------------------------------------------------------------------ the figures


def key_figures(week: Period, previous_week: Period) -> tuple[Figure, ...]:
    """The key figures of ``week`` and ``previous_week``, in ``FIGURES`` order."""
    now = reports.summary(week, Filters())
    before = reports.summary(previous_week, Filters())
    return tuple(
        Figure(name, float(getattr(now, name)), float(getattr(before, name))) for name in FIGURES
    )


def _counts(dimension: str, measure: str, period: Period) -> dict[str, int]:
    rows: list[Row] = reports.table(dimension, period, Filters(), limit=ALL_ROWS)
    return {row.key: int(getattr(row, measure)) for row in rows}


def movers_of(
    dimension: str,
    measure: str,
    current: Mapping[str, int],
    previous: Mapping[str, int],
    limit: int = MOVERS,
) -> Movers:
    """The ``limit`` entries that grew most and fell most from ``previous`` to ``current``
    (by the absolute difference, then by key); an entry missing on one side counts 0 there.
    Campaigns leave out the empty key (visits without a campaign)."""
    keys = set(current) | set(previous)
    if dimension == "campaign":
        keys.discard("")
    changed = [
        Mover(key, current.get(key, 0), previous.get(key, 0))
        for key in keys
        if current.get(key, 0) != previous.get(key, 0)
    ]
    up = sorted((m for m in changed if m.difference > 0), key=lambda m: (-m.difference, m.key))
    down = sorted((m for m in changed if m.difference < 0), key=lambda m: (m.difference, m.key))
    return Movers(dimension, measure, tuple(up[:limit]), tuple(down[:limit]))


def lead_source(lead: SiteLead) -> str:
    """The source of the visit credited with ``lead`` by the last touch (the campaign report's
    "last non-direct touch", kept by the site with the lead); ``UNKNOWN_SOURCE`` without one
    (no statistics consent, or not looked up yet)."""
    return lead.last_touch.source if lead.last_touch is not None else UNKNOWN_SOURCE


def lead_counts(leads: Iterable[SiteLead], previous: Iterable[SiteLead]) -> tuple[LeadCount, ...]:
    """The new leads of the week and of the week before by source, most leads this week first,
    then most the week before, then by source."""
    now = Counter(lead_source(lead) for lead in leads)
    before = Counter(lead_source(lead) for lead in previous)
    counts = [LeadCount(key, now[key], before[key]) for key in set(now) | set(before)]
    counts.sort(key=lambda count: (-count.current, -count.previous, count.key))
    return tuple(counts)


def weekly_figures(monday: datetime.date, today: datetime.date | None = None) -> WeeklyFigures:
    """The digest's figures of the week starting ``monday`` against the week before.

    ValueError unless ``monday`` is a Monday of a week that has ended (UTC ``today``)."""
    week = checked_week(monday, today or clock.now().date())
    previous_week = week.previous()
    movers = tuple(
        movers_of(
            dimension,
            measure,
            _counts(dimension, measure, week),
            _counts(dimension, measure, previous_week),
        )
        for dimension, measure in MOVER_MEASURES.items()
    )
    site_leads = current().host.site_leads
    leads = lead_counts(
        site_leads(week.first, week.last), site_leads(previous_week.first, previous_week.last)
    )
    return WeeklyFigures(
        week=week,
        previous_week=previous_week,
        figures=key_figures(week, previous_week),
        movers=movers,
        leads=leads,
    )
