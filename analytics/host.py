"""What the host application hands analytics: one typed, immutable object.

analytics never imports the site. Everything it needs from it (the database, the consent gate,
who is logged in, who is staff, the rate limit, who may read the dashboard, the profiling gate,
the people behind user ids, the site's own daily counts, the site's topic rules and the collect
answer's headers) arrives as one ``Host`` in ``init_app(app, host)`` and is read from
``app.extensions["analytics"].host``; nothing is assigned onto the state afterwards.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import peewee
from flask import Request, Response
from flask.typing import ResponseReturnValue

# (regex on the path, topic template filled with the regex's named groups); first match wins
TopicRules = tuple[tuple[str, str], ...]
# {series name: {UTC day: count}}
SiteSeries = Mapping[str, Mapping[datetime.date, int]]


@dataclass(frozen=True)
class SiteAnnotation:
    """Something the site itself dates on the charts (a sent newsletter, a published article)."""

    day: datetime.date
    text: str
    kind: str  # "newsletter", "news": what made it


@dataclass(frozen=True)
class Touch:
    """A visit as the campaign-to-customer report credits it (``analytics.touches_of``): when
    it started, its source as the dashboard names it (campaign, search, social, referral,
    direct, internal), the referrer's host or a tagged link's utm_source, its utm_medium and
    utm_campaign, the page it landed on, and the country, device and browser it was made from."""

    at: datetime.datetime
    source: str
    host: str
    medium: str
    campaign: str
    landing: str
    country: str
    device: str
    browser: str


@dataclass(frozen=True)
class SiteLead:
    """An inquiry or course sign-up and how far the CRM took it, for the campaign report.

    ``conversion_id`` is the id of the conversion event analytics recorded when it was sent
    (None: no statistics consent, its touches stay unknown); ``status`` is the CRM pipeline's
    (ny, kontaktad, kvalificerad, vunnen, forlorad); ``won_at`` when it reached vunnen."""

    kind: str  # "contact", "quote", "demo", "course"
    created_at: datetime.datetime
    conversion_id: str | None
    status: str
    won_at: datetime.datetime | None = None
    # when it first reached kvalificerad (or went straight to vunnen); None: never, or unknown
    qualified_at: datetime.datetime | None = None
    # the visits that led to it, kept by the site with the lead (None: unknown)
    first_touch: Touch | None = None
    last_touch: Touch | None = None


class People(Protocol):
    """Who is behind user ids, for the profile views (marketers only)."""

    def describe(self, user_ids: Iterable[int | None]) -> Mapping[int, Mapping[str, Any]]:
        """``{user_id: {"name", "email", "organisation_id", "organisation"}}`` of known users."""
        ...

    def organisation(self, organisation_id: int) -> Mapping[str, Any] | None:
        """``{"id", "name", "user_ids"}`` of an organisation, or None."""
        ...

    def topic_labels(self) -> Mapping[str, str]:
        """Readable names of topics (``produkt:winlas-skola`` -> "WinLas Skola")."""
        ...


def deny() -> Response:
    """The default guard: nobody may read the dashboard and the profiles."""
    return Response("forbidden", status=403)


def never(request: Request) -> bool:
    """The default profiling gate: no visit is profiled."""
    return False


def no_series(first: datetime.date, last: datetime.date) -> SiteSeries:
    """The default site series: the site counts nothing of its own."""
    return {}


def no_annotations(first: datetime.date, last: datetime.date) -> list[SiteAnnotation]:
    """The default: the site dates nothing of its own on the charts."""
    return []


def no_leads(first: datetime.date, last: datetime.date) -> list[SiteLead]:
    """The default: the site has no inquiries to join to the campaigns."""
    return []


@dataclass(frozen=True)
class Host:
    """The host application's side of analytics.

    - ``database``: where the models live (analytics never opens a connection of its own);
    - ``allows(request, category)``: the consent gate ("statistics" before anything is kept);
    - ``current_user_id()``: links a logged-in user's visits (None: nobody logged in);
    - ``internal_user(request)``: True when the logged-in user is one of the site's own people
      (staff): their requests are dropped and counted, never stored or profiled; asked only
      when ``current_user_id()`` names someone. Clients in ANALYTICS_INTERNAL_NETWORKS are
      dropped the same way;
    - ``rate_limit(request)``: False when the client is over its limit (None: no limit);
    - ``guard()``: None for someone who may read the dashboard and profiles, else the response
      to give instead (login page, 403); the default shuts everyone out;
    - ``profiling_allowed(request)``: marketing consent and no objection (P17, P19); the
      default profiles nobody;
    - ``people``: who is behind a user id (name, organisation) for the profile views;
    - ``site_series(first_day, last_day)``: the site's own daily counts (leads, sign-ups,
      consent decisions) for the conversion reports;
    - ``site_annotations(first_day, last_day)``: what the site dates on the time charts
      (newsletter issues sent, news published);
    - ``site_leads(first_day, last_day)``: the inquiries and sign-ups created in those days with
      their CRM status, for the campaign-to-customer report;
    - ``topic_rules``: the site's paths as interest-profile topics (ANALYTICS_PROFILE_TOPICS in
      the config overrides them); none: no topic, no profile;
    - ``response_headers``: what every collect response carries.
    """

    database: peewee.Database
    allows: Callable[[Request, str], bool]
    current_user_id: Callable[[], int | None]
    internal_user: Callable[[Request], bool] | None = None
    rate_limit: Callable[[Request], bool] | None = None
    guard: Callable[[], ResponseReturnValue | None] = deny
    profiling_allowed: Callable[[Request], bool] = never
    people: People | None = None
    site_series: Callable[[datetime.date, datetime.date], SiteSeries] = no_series
    site_annotations: Callable[[datetime.date, datetime.date], list[SiteAnnotation]] = (
        no_annotations
    )
    site_leads: Callable[[datetime.date, datetime.date], list[SiteLead]] = no_leads
    topic_rules: TopicRules = ()
    response_headers: Mapping[str, str] = field(default_factory=dict)
