"""Analytics' part of a person's data rights (P12, P14), asked through its front door: the
account's visits and events, its interest profile, and the browsers' objections to profiling."""

from __future__ import annotations

from typing import Any, cast

import analytics

from .courses.models import Registration
from .leads.models import Lead
from .rights import Counts, Person, Provider, Section, plain


def sending_browsers(person: Person) -> set[str]:
    """The browsers the person's inquiries and course sign-ups were sent from.

    A form sent with statistics consent keeps its conversion event's id (issue 16); that event
    names the pseudonymous browser, whose visits are then the person's as much as those made
    logged in, account or not."""
    ids: list[str | None] = []
    if person.contact is not None:
        query = Lead.select(Lead.conversion_id).where(
            (Lead.contact == person.contact) & Lead.conversion_id.is_null(False)
        )
        ids += [lead.conversion_id for lead in query]
    registrations = (
        Registration.for_user(person.user)
        if person.user is not None
        else Registration.for_email(person.address)
    )
    ids += [r.conversion_id for r in registrations if r.conversion_id]
    return analytics.conversion_browsers(ids)


def export(person: Person) -> Section:
    data: dict[str, Any] = {}
    topics: list[dict[str, object]] = []
    if person.user is not None:
        data = analytics.personal_data(person.user.id)
        topics = analytics.profile_for_user(person.user.id)
    # the visits of the browsers the person's forms were sent from, beyond those above
    linked = {visit["visitor_id"] for visit in cast(list[dict[str, Any]], data.get("visits", []))}
    sent_from = sorted(sending_browsers(person) - linked)
    if sent_from:
        data = {**data, "sending_browser_visits": analytics.browser_visits(sent_from)}
    # objections to profiling are kept per browser: those of the account's browsers and of
    # the asking browser
    browsers = linked | set(sent_from) | set(person.visitor_ids)
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
    without the author's id. The browsers the person's forms were sent from go too, also
    for a person without an account."""
    browsers = sorted(sending_browsers(person) | set(person.visitor_ids))
    if person.user is None:
        erased = analytics.erase_browsers(browsers)
        return {f"analytics_{name}": n for name, n in erased.items()}
    erased = analytics.erase_user(person.user.id, browsers)
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
