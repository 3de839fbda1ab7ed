"""Analytics' part of a person's data rights (P12, P14), asked through its front door: the
account's visits and events, its interest profile, and the browsers' objections to profiling."""

from __future__ import annotations

from typing import Any, cast

import analytics

from .rights import Counts, Person, Provider, Section, plain


def export(person: Person) -> Section:
    data: dict[str, Any] = {}
    topics: list[dict[str, object]] = []
    if person.user is not None:
        data = analytics.personal_data(person.user.id)
        topics = analytics.profile_for_user(person.user.id)
    # objections to profiling are kept per browser: those of the account's browsers and of
    # the asking browser
    visits = cast(list[dict[str, Any]], data.get("visits", []))
    browsers = {visit["visitor_id"] for visit in visits} | set(person.visitor_ids)
    objections = [
        {"visitor_id": item["visitor_id"], "created_at": plain(item["created_at"])}
        for item in analytics.profile_opt_outs(browsers)
    ]
    written = analytics.dashboard_authored(person.user.id) if person.user is not None else {}
    return {
        "analytics": data,
        "profiling_objections": objections,
        "interest_profile": topics,
        "dashboard_written": written,
    }


def erase(person: Person) -> Counts:
    """The account's visits, events and interest profile, and those of its browsers (see
    ``analytics.erase_user``); the objections to profiling stay, so those browsers are never
    profiled again. The dashboard notes and saved views a marketer wrote stay for the team,
    without the author's id."""
    if person.user is None:
        return {}
    erased = analytics.erase_user(person.user.id, person.visitor_ids)
    counts = {f"analytics_{name}": n for name, n in erased.items()}
    forgotten = analytics.forget_dashboard_author(person.user.id)
    counts.update({f"dashboard_{name}": n for name, n in forgotten.items()})
    return counts


PROVIDER = Provider(
    feature="analytics",
    sections={
        "visit": "analytics",
        "event": "analytics",
        "interest_profile": "interest_profile",
        "interest_score": "interest_profile",
        "profile_opt_out": "profiling_objections",
        "annotation": "dashboard_written",
        "saved_view": "dashboard_written",
    },
    export=export,
    erase=erase,
    order=10,
)
