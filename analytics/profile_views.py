"""Interest-profile views under /dashboard/profiler (marketers and admins only, P17).

The list of profiles, one browser's profile with its timeline of visits, a person's profile
(all their browsers), an organisation's summed interests, and segments ("interested in X in
the last N days, score at least S") as a page and as CSV. Bad query values are a 400.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from . import clock, profiles
from .csvexport import request_language, to_csv
from .dashboard.budget import budgeted, too_heavy_page
from .host import People
from .line import is_visitor_id
from .profile_models import InterestProfile
from .state import current
from .subjects import _label, topic_labels

# the templates live beside the dashboard's, under analytics/templates/analytics/profiles/
bp = Blueprint("profiles", __name__, url_prefix="/dashboard/profiler", template_folder="templates")

PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_DAYS = 3660
MAX_SCORE = 1e9
_TOPIC = re.compile(r"^[a-z0-9:_-]{1,120}$")
_DIGITS = re.compile(r"^[0-9]{1,7}$")
_NUMBER = re.compile(r"^[0-9]{1,9}(?:\.[0-9]{1,4})?$")


@bp.before_request
def guard() -> ResponseReturnValue | None:
    """Marketers and admins only: the app's guard answers everyone else (login page or 403)."""
    return current().host.guard()


@bp.after_request
def no_store(response: Response) -> Response:
    """Profiles are personal data: nothing is kept by a browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _people() -> People | None:
    return current().host.people


def _describe(user_ids: Iterable[int | None]) -> Mapping[int | None, Mapping[str, Any]]:
    people = _people()
    describe = getattr(people, "describe", None)
    found = describe(user_ids) if callable(describe) else {}
    return cast(Mapping[int | None, Mapping[str, Any]], found)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not _DIGITS.match(raw) or not low <= int(raw) <= high:
        abort(400)
    return int(raw)


@dataclass(frozen=True)
class SegmentQuery:
    topic: str
    days: int
    min_score: float

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SegmentQuery:
        """The segment of the query string; ValueError on anything malformed."""
        topic = args.get("amne", "")
        days = args.get("dagar", "30") or "30"
        score = args.get("minst", "0") or "0"
        if not _TOPIC.match(topic):
            raise ValueError("topic")
        if not _DIGITS.match(days) or not 1 <= int(days) <= MAX_DAYS:
            raise ValueError("days")
        if not _NUMBER.match(score) or float(score) > MAX_SCORE:
            raise ValueError("min_score")
        value = float(score)
        if not math.isfinite(value):
            raise ValueError("min_score")
        return cls(topic, int(days), value)

    def args(self) -> dict[str, str]:
        return {"amne": self.topic, "dagar": str(self.days), "minst": f"{self.min_score:g}"}


def _segment_query() -> SegmentQuery:
    try:
        return SegmentQuery.from_args(request.args)
    except ValueError:
        abort(400)


SHORT_SEGMENT_DAYS = 7


def _too_heavy(budget: int) -> str:
    """Links to lighter questions: the list of profiles, a segment over fewer days."""
    links = []
    if request.endpoint in ("profiles.segment", "profiles.segment_csv"):
        try:
            query = SegmentQuery.from_args(request.args)
        except ValueError:
            query = None
        if query is not None and query.days > SHORT_SEGMENT_DAYS:
            shorter: dict[str, Any] = {**query.args(), "dagar": str(SHORT_SEGMENT_DAYS)}
            links.append(
                (
                    url_for("profiles.segment", **shorter),
                    _("Samma segment för de senaste %(days)d dagarna", days=SHORT_SEGMENT_DAYS),
                )
            )
    if request.endpoint != "profiles.index" or request.args.get("sida", "1") != "1":
        links.append((url_for("profiles.index"), _("Alla profiler")))
    return too_heavy_page(budget, selection=None, links=links)


@bp.get("/")
@budgeted(_too_heavy)
def index() -> str:
    """Profiles, most recently active first, with their top topics and the segment form."""
    page = _int_arg("sida", 1, 1, MAX_PAGE)
    rows, total = profiles.listing(clock.now(), PAGE_SIZE, (page - 1) * PAGE_SIZE)
    page_count = max(1, math.ceil(total / PAGE_SIZE))
    if page > page_count:
        abort(404)
    labels = topic_labels()
    return render_template(
        "analytics/profiles/index.html",
        rows=rows,
        total=total,
        page=page,
        page_count=page_count,
        people=_describe(r.profile.user_id for r in rows),
        topics=profiles.known_topics(),
        label=lambda topic: _label(topic, labels),
    )


@bp.get("/besokare/<visitor_id>")
@budgeted(_too_heavy)
def visitor(visitor_id: str) -> str:
    """One browser's profile and its timeline of visits (raw events)."""
    if not is_visitor_id(visitor_id):
        abort(404)
    profile = InterestProfile.get_or_none(InterestProfile.visitor_id == visitor_id)
    if profile is None:
        abort(404)
    labels = topic_labels()
    return render_template(
        "analytics/profiles/visitor.html",
        profile=profile,
        person=_describe([profile.user_id]).get(profile.user_id),
        scores=profiles.visitor_scores(visitor_id, clock.now()),
        timeline=profiles.timeline([visitor_id]),
        label=lambda topic: _label(topic, labels),
    )


@bp.get("/person/<int:user_id>")
@budgeted(_too_heavy)
def person(user_id: int) -> str:
    """A person's interests over every browser linked to the account, and their visits."""
    if user_id > 2**31:
        abort(404)
    browsers = list(
        InterestProfile.select()
        .where(InterestProfile.user_id == user_id)
        .order_by(InterestProfile.last_event_at.desc())
    )
    if not browsers:
        abort(404)
    labels = topic_labels()
    return render_template(
        "analytics/profiles/person.html",
        user_id=user_id,
        browsers=browsers,
        person=_describe([user_id]).get(user_id),
        scores=profiles.user_scores(user_id, clock.now()),
        timeline=profiles.timeline([b.visitor_id for b in browsers]),
        label=lambda topic: _label(topic, labels),
    )


@bp.get("/organisation/<int:organisation_id>")
@budgeted(_too_heavy)
def organisation(organisation_id: int) -> str:
    """An organisation's interests: the sum of its contacts' profiles (P17)."""
    if organisation_id > 2**31:
        abort(404)
    people = _people()
    lookup = getattr(people, "organisation", None)
    found = lookup(organisation_id) if callable(lookup) else None
    if found is None:
        abort(404)
    user_ids = list(found["user_ids"])
    now = clock.now()
    labels = topic_labels()
    profiled = sorted(
        {
            p.user_id
            for p in InterestProfile.select(InterestProfile.user_id).where(
                InterestProfile.user_id.in_(user_ids or [0])
            )
            if p.user_id is not None  # the query asks for these ids: none is None
        }
    )
    return render_template(
        "analytics/profiles/organisation.html",
        organisation=found,
        scores=profiles.users_scores(user_ids, now),
        contacts=_describe(profiled),
        label=lambda topic: _label(topic, labels),
    )


def _segment_rows(
    query: SegmentQuery,
) -> tuple[list[profiles.SegmentRow], Mapping[int | None, Mapping[str, Any]]]:
    rows = profiles.segment(query.topic, query.days, query.min_score, clock.now())
    return rows, _describe(r.user_id for r in rows)


@bp.get("/segment")
@budgeted(_too_heavy)
def segment() -> str:
    """Profiles interested in a topic in the last N days, at or above a score."""
    query = _segment_query()
    rows, people = _segment_rows(query)
    labels = topic_labels()
    return render_template(
        "analytics/profiles/segment.html",
        query=query,
        rows=rows,
        people=people,
        topics=profiles.known_topics(),
        label=lambda topic: _label(topic, labels),
    )


@bp.get("/segment.csv")
@budgeted(_too_heavy)
def segment_csv() -> Response:
    """The same segment as CSV: one line per profile, with the person when known, the topic
    in words, the score a number in the reader's language, the last event's day."""
    query = _segment_query()
    rows, people = _segment_rows(query)
    header = [
        "visitor_id",
        "user_id",
        "name",
        "email",
        "organisation",
        "topic",
        "score",
        "pageviews",
        "clicks",
        "conversions",
        "last_event_at",
    ]

    topic = _label(query.topic, topic_labels())

    def line(row: profiles.SegmentRow) -> list[object]:
        who = people.get(row.user_id, {})
        return [
            row.visitor_id,
            row.user_id or "",
            who.get("name", ""),
            who.get("email", ""),
            who.get("organisation", ""),
            topic,
            round(row.score, 2),
            row.pageviews,
            row.clicks,
            row.conversions,
            # the day, as the segment page shows it (a number with the reader's decimal mark,
            # a day Excel reads as a date: issue 17)
            row.last_event_at.date(),
        ]

    filename = f"segment-{query.topic.replace(':', '-')}-{query.days}d.csv"
    return Response(
        to_csv(header, (line(r) for r in rows), language=request_language()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
