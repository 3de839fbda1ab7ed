"""Data-subject rights for what analytics holds about a user: access, erasure, explanation.

The account pages, the data export and the DSAR tool call these (P12, P14); they take a user
id, never a request.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import peewee
from flask import current_app, has_app_context, has_request_context
from flask_babel import gettext as _gettext
from flask_babel import ngettext as _ngettext

from . import clock, profiles, rollups
from .clickhouse import client as clickhouse_client
from .clickhouse import people as clickhouse_people
from .db import database
from .line import is_visitor_id
from .models import ErasureTombstone, Event, Visit
from .profile_models import InterestProfile, InterestScore
from .settings import setting
from .state import Analytics

# every column of a visit but its keys: a column added to Visit is exported without a change here
VISIT_FIELDS = tuple(
    name for name in Visit._meta.sorted_field_names if name not in ("id", "user_id")
)
EVENT_FIELDS = (
    "event_id",
    "type",
    "occurred_at",
    "path",
    "target",
    "name",
    "engaged_ms",
    "viewport",
)


def _json(value: object) -> object:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _linked_visits(user_id: int) -> peewee.ModelSelect[Visit]:
    """The user's visits: those made logged in, and those holding an event made logged in."""
    with_event = Event.select(Event.visit).where(Event.user_id == user_id)
    return Visit.select().where((Visit.user_id == user_id) | Visit.id.in_(with_event))


def personal_data(user_id: int) -> dict[str, object]:
    """Everything analytics holds linked to the user, as JSON-ready dicts.

    ``visits``: each visit made while logged in (or holding an event made logged in) with all
    its events, also those before the login within that visit; ``interest_profile``: the
    topics and scores of the profiles linked to the user (see ``profile_for_user``).
    The visits and events come from ClickHouse when it is the event store.
    """
    visits = _visits_with_events(user_id)
    profile_rows = list(
        InterestProfile.select()
        .where(InterestProfile.user_id == user_id)
        .order_by(InterestProfile.id)
    )
    return {
        "visits": visits,
        "interest_profile": {
            "browsers": [
                {
                    "visitor_id": p.visitor_id,
                    "first_event_at": _json(p.first_event_at),
                    "last_event_at": _json(p.last_event_at),
                }
                for p in profile_rows
            ],
            "topics": profile_for_user(user_id),
        },
    }


def _visits_with_events(user_id: int) -> list[dict[str, object]]:
    """The user's linked visits, oldest first, each with its events (JSON-ready)."""
    if clickhouse_client.active():
        return _clickhouse_with_events(clickhouse_people.linked_visits(user_id))
    return _with_events(list(_linked_visits(user_id).order_by(Visit.started_at, Visit.id)))


def browser_visits(visitor_ids: Iterable[str]) -> list[dict[str, object]]:
    """Every visit of these browsers, oldest first, each with its events (JSON-ready): the
    visits a person's leads were sent from, logged in or not."""
    visitors = sorted({v for v in visitor_ids if isinstance(v, str) and is_visitor_id(v)})
    if not visitors:
        return []
    if clickhouse_client.active():
        return _clickhouse_with_events(
            clickhouse_people.visits_where(
                "visitor_id IN {visitors:Array(String)}", {"visitors": visitors}
            )
        )
    query = Visit.select().where(Visit.visitor_id.in_(visitors))
    return _with_events(list(query.order_by(Visit.started_at, Visit.id)))


def _with_events(visits: list[Visit]) -> list[dict[str, object]]:
    events: dict[int, list[dict[str, object]]] = {v.id: [] for v in visits}
    if visits:
        for event in (
            Event.select()
            .where(Event.visit.in_(list(events)))
            .order_by(Event.occurred_at, Event.id)
        ):
            events[event.visit_id].append(
                {name: _json(getattr(event, name)) for name in EVENT_FIELDS}
            )
    return [
        {**{name: _json(getattr(v, name)) for name in VISIT_FIELDS}, "events": events[v.id]}
        for v in visits
    ]


def _clickhouse_with_events(found: list[dict[str, Any]]) -> list[dict[str, object]]:
    by_visit: dict[int, list[dict[str, object]]] = {v["id"]: [] for v in found}
    for row in clickhouse_people.events_of(list(by_visit)):
        by_visit[row["visit_id"]].append({name: _json(row[name]) for name in EVENT_FIELDS})
    return [
        {**{name: _json(v[name]) for name in VISIT_FIELDS}, "events": by_visit[v["id"]]}
        for v in found
    ]


def _stored_visitors(user_id: int) -> set[str]:
    """The browsers the user's stored visits and events name."""
    if clickhouse_client.active():
        return clickhouse_people.visitors_of(user_id)
    return {v.visitor_id for v in _linked_visits(user_id).select(Visit.visitor_id)} | {
        e.visitor_id
        for e in Event.select(Event.visitor_id).where(Event.user_id == user_id).distinct()
    }


def erase_user(user_id: int, visitor_ids: Iterable[str] = ()) -> dict[str, int]:
    """Erase what analytics holds about the user; returns counts of deleted rows.

    ``visitor_ids``: browsers known to be the person's beyond what is stored (the erasing
    request's own ``winlas_vid`` cookie, whose lines may all still be in the spool).

    The user's visits and events are DELETED entirely, not unlinked: a visit keeps its
    pseudonymous visitor id, which the person's browser still holds, so an unlinked visit
    would still be theirs. Deleted are every visit and event of each visitor id (browser)
    the user ever used logged in (including the anonymous visits of that browser), every
    event carrying the user id, and the interest profiles of the user and of those browsers.
    Daily aggregates (rollups) keep their counts, which name nobody; the browsers' hashes
    leave their sets of unique visitors.

    Lines of the user or of those browsers that still wait in the spool are dropped when the
    writer reaches them: a tombstone (a keyed digest, no id) of each is kept for
    ``ANALYTICS_TOMBSTONE_DAYS``, in the same transaction as the deletion.

    On ClickHouse the visits and events are deleted there (``analytics.clickhouse.people``),
    within the same SQL transaction, after the tombstones: a writer that began before waits
    for it (PostgreSQL's lock, SQLite's write lock) or stored its batch already, and a writer
    after it drops the lines. A failure there rolls the tombstones back and raises.
    """
    return _erase(user_id, visitor_ids)


def erase_browsers(visitor_ids: Iterable[str]) -> dict[str, int]:
    """Erase every visit, event and interest profile of these browsers (a person with no
    account whose leads name the browser they were sent from); counts of rows. Everything
    ``erase_user`` says of the browsers holds here too."""
    named = [v for v in visitor_ids if isinstance(v, str) and is_visitor_id(v)]
    return _erase(None, named) if named else {}


def _erase(user_id: int | None, visitor_ids: Iterable[str]) -> dict[str, int]:
    with database.atomic():
        ErasureTombstone.serialise(erasing=True)  # held until the caller's transaction commits
        named = {v for v in visitor_ids if isinstance(v, str) and is_visitor_id(v)}
        visitors = sorted(named if user_id is None else _stored_visitors(user_id) | named)
        expires_at = clock.now() + datetime.timedelta(
            days=float(setting("ANALYTICS_TOMBSTONE_DAYS"))
        )
        ErasureTombstone.add(
            ([] if user_id is None else [ErasureTombstone.digest_of("u", user_id)])
            + [ErasureTombstone.digest_of("v", visitor) for visitor in visitors],
            expires_at,
        )
        # never ``user_id == None``: peewee makes that IS NULL, every anonymous visit
        of_visit = Visit.visitor_id.in_(visitors)
        of_event = Event.visit.in_(Visit.select(Visit.id).where(of_visit))
        of_profile = InterestProfile.visitor_id.in_(visitors)
        if user_id is not None:
            of_visit |= Visit.user_id == user_id
            of_event = (Event.user_id == user_id) | Event.visit.in_(
                Visit.select(Visit.id).where(of_visit)
            )
            of_profile |= InterestProfile.user_id == user_id
        profile_ids = [p.id for p in InterestProfile.select(InterestProfile.id).where(of_profile)]
        scores = 0
        if profile_ids:
            scores = InterestScore.delete().where(InterestScore.profile.in_(profile_ids)).execute()
        counts = {
            "interest_scores": scores,
            "interest_profiles": (
                InterestProfile.delete().where(InterestProfile.id.in_(profile_ids)).execute()
                if profile_ids
                else 0
            ),
        }
        if clickhouse_client.active():
            counts.update(clickhouse_people.erase(user_id, visitors))
        else:
            counts["events"] = Event.delete().where(of_event).execute()
            counts["visits"] = Visit.delete().where(of_visit).execute()
    counts["rollup_rows"] = rollups.forget_visitors(visitors)
    state = current_app.extensions.get("analytics") if has_app_context() else None
    if isinstance(state, Analytics):
        # a line of theirs the database would not take is no exception to the erasure
        state.spool.forget_quarantined(user_id, set(visitors))
    return counts


def _label(topic: str, labels: dict[str, str]) -> str:
    if topic in labels:
        return labels[topic]
    kind, _, slug = topic.partition(":")
    return (slug or kind).replace("-", " ").capitalize()


def topic_labels() -> dict[str, str]:
    """Readable names of topics from the app (``people.topic_labels()``), when it offers them."""
    if not has_app_context():
        return {}
    state = current_app.extensions.get("analytics")
    people = state.host.people if isinstance(state, Analytics) else None
    labels = getattr(people, "topic_labels", None)
    return dict(labels()) if callable(labels) else {}


def gettext(text: str, **variables: object) -> str:
    """Translated within a request (the reader's language); the Swedish source text outside."""
    if has_request_context():
        return str(_gettext(text, **variables))
    return text % variables


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """The plural-aware ``gettext``."""
    if has_request_context():
        return str(_ngettext(singular, plural, num, **variables))
    return (singular if num == 1 else plural) % {"num": num, **variables}


def _reasons(item: profiles.TopicScore, label: str) -> list[str]:
    reasons = []
    if item.pageviews:
        reasons.append(
            ngettext(
                "Du har besökt sidor om %(topic)s %(num)d gång.",
                "Du har besökt sidor om %(topic)s %(num)d gånger.",
                item.pageviews,
                topic=label,
            )
        )
    if item.clicks:
        reasons.append(
            ngettext(
                "Du har klickat på länkar eller knappar om %(topic)s %(num)d gång.",
                "Du har klickat på länkar eller knappar om %(topic)s %(num)d gånger.",
                item.clicks,
                topic=label,
            )
        )
    if item.conversions:
        reasons.append(
            ngettext(
                "Du har skickat %(num)d formulär om %(topic)s.",
                "Du har skickat %(num)d formulär om %(topic)s.",
                item.conversions,
                topic=label,
            )
        )
    reasons.append(gettext("Senast: %(date)s.", date=item.last_event_at.date().isoformat()))
    return reasons


def profile_for_user(user_id: int, now: datetime.datetime | None = None) -> list[dict[str, object]]:
    """The user's interests in plain language, highest score first.

    Each item: ``topic``, ``label`` (readable name), ``score`` (today's decayed score,
    rounded to two decimals) and ``reasons`` (sentences: what was seen, how often, when).
    """
    labels = topic_labels()
    result = []
    for item in profiles.user_scores(user_id, now):
        label = _label(item.topic, labels)
        result.append(
            {
                "topic": item.topic,
                "label": label,
                "score": round(item.score, 2),
                "reasons": _reasons(item, label),
            }
        )
    return result
