"""The site's own daily counts for the dashboard's conversion reports, and the days the site
marks on its time charts.

Analytics never imports the site; the app hands it ``site_series`` and ``site_annotations`` at
``init_app``, and the dashboard asks them for leads, course sign-ups and consent decisions per
UTC day, and for the newsletters sent and the news published in a period.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import peewee

import analytics

from .clock import now
from .consent.models import ConsentRecord
from .courses.models import Registration
from .db import rows
from .leads.models import Lead
from .news.models import Article
from .newsletter.models import NewsletterIssue

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


def site_annotations(first: datetime.date, last: datetime.date) -> list[analytics.SiteAnnotation]:
    """What the site itself dates on the dashboard's time charts, from ``first`` to ``last``
    (UTC days): every newsletter issue sent, on the day it went out, and every news article the
    public can read now, on the day it became public (its ``publish_at`` when it was scheduled,
    else the date the page shows). Drafts, unpublished and still scheduled articles are not
    news yet. Two queries, whatever the period."""
    start, end = _bounds(first, last)
    found = [
        analytics.SiteAnnotation(sent_at.date(), subject, "newsletter")
        for subject, sent_at in rows(
            NewsletterIssue.select(NewsletterIssue.subject, NewsletterIssue.sent_at)
            .where((NewsletterIssue.sent_at >= start) & (NewsletterIssue.sent_at < end))
            .order_by(NewsletterIssue.sent_at, NewsletterIssue.id)
            .tuples()
        )
    ]
    moment = now()
    articles = rows(
        Article.select(Article.title_sv, Article.published, Article.publish_at)
        .where(
            Article.live_at(moment)
            & (
                Article.published.between(first, last)
                | ((Article.publish_at >= start) & (Article.publish_at < end))
            )
        )
        .order_by(Article.published, Article.id)
        .tuples()
    )
    for title, published, publish_at in articles:
        day = publish_at.date() if publish_at is not None else _as_date(published)
        if first <= day <= last:
            found.append(analytics.SiteAnnotation(day, title, "news"))
    return sorted(found, key=lambda item: item.day)
