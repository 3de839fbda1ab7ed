"""The site's own daily counts for the dashboard's conversion reports.

Analytics never imports the site; the app hands it ``site_series`` at ``init_app``, and the
dashboard asks it for leads, course sign-ups and consent decisions per UTC day.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import peewee

from .consent.models import ConsentRecord
from .courses.models import Registration
from .db import rows
from .leads.models import Lead

# the lead types as the dashboard names its conversions (a question comes from the contact form)
LEAD_SERIES = {"question": "contact", "quote": "quote", "demo": "demo"}
CONSENT_SERIES = {
    "accept_all": "consent_accept_all",
    "reject_all": "consent_reject_all",
    "custom": "consent_custom",
}
SERIES = ("contact", "quote", "demo", "course", *CONSENT_SERIES.values())


def _as_date(value) -> datetime.date:
    # DATE() comes back as text (SQLite), a date (PostgreSQL) or, with some drivers, a datetime
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def _bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    start = datetime.datetime.combine(first, datetime.time.min)
    return start, datetime.datetime.combine(last, datetime.time.min) + datetime.timedelta(days=1)


def _daily(model, column, first, last, *group) -> Iterator[tuple[Any, ...]]:
    """COUNT per UTC day of ``column`` (a naive-UTC timestamp), grouped by ``group`` too."""
    day = peewee.fn.DATE(column)
    start, end = _bounds(first, last)
    return rows(
        model.select(day.alias("day"), *group, peewee.fn.COUNT(model.id).alias("n"))
        .where((column >= start) & (column < end))
        .group_by(day, *group)
        .tuples()
    )


def site_series(first: datetime.date, last: datetime.date) -> dict[str, dict[datetime.date, int]]:
    """``{name: {day: count}}`` from ``first`` to ``last`` inclusive (UTC days, only days with
    something): contact/quote/demo leads by the day they came in, course and event sign-ups by
    the day they were made (waitlisted and later cancelled ones included: the visitor did sign
    up), and the banner's decisions (accept all, reject all, custom) from the proofs of consent.
    """
    series: dict[str, dict[datetime.date, int]] = {name: {} for name in SERIES}
    for day, kind, n in _daily(Lead, Lead.created_at, first, last, Lead.type):
        if kind in LEAD_SERIES:
            series[LEAD_SERIES[kind]][_as_date(day)] = n
    for day, n in _daily(Registration, Registration.created_at, first, last):
        series["course"][_as_date(day)] = n
    for day, actions in ConsentRecord.daily_counts(first, last).items():
        for action, name in CONSENT_SERIES.items():
            if actions.get(action):
                series[name][day] = actions[action]
    return series
