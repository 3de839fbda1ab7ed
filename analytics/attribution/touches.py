"""Which visits led to a conversion: its first and last touch, and the journey in between.

The site keeps the id of the conversion event a sent form recorded (``record_conversion``), and
asks here afterwards, because the writer stores the event a moment after the form is answered.
A conversion exists only with statistics consent and the visitor cookie, so every visit found
here was made with consent; without one there is nothing to look up and the lead's touches stay
unknown.

The model, stated on the report's page too:

- the visits counted are the converting browser's visits that started at most
  ``LOOKBACK_DAYS`` before the conversion, up to the conversion (the visit it was sent in
  included, later visits never);
- **first touch**: the earliest of those visits, whatever its source;
- **last touch**: the latest of those visits that came from somewhere (a campaign, a search, a
  social network, another site), skipping visits that came direct or from the site itself,
  which only say the person already knew the way ("last non-direct touch"); when every visit
  came direct, the visit the conversion was sent in.

Both are kept by the site with the lead: raw visits and events go after
ANALYTICS_RAW_RETENTION_DAYS, the campaign report must not forget who brought a customer.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import peewee

from ..clickhouse import attribution as clickhouse_attribution
from ..clickhouse import client as clickhouse_client
from ..db import rows
from ..host import Touch
from ..models import Event, Visit

LOOKBACK_DAYS = 90
# a visit from these sources is no touch for the last-touch model (see the docstring)
DIRECT = ("direct", "internal")
# conversion event ids are uuid4 strings; anything else is never looked up
_EVENT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CHUNK = 500
_VISIT_FIELDS = (
    "id",
    "visitor_id",
    "started_at",
    "last_seen_at",
    "entry_path",
    "referrer_source",
    "referrer_host",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "country",
    "device",
    "browser",
)


@dataclass(frozen=True)
class Touches:
    """The first and last touch of one conversion, how many visits led to it, and how many
    whole days passed from the first of them to the conversion."""

    converted_at: datetime.datetime
    first: Touch
    last: Touch
    visits: int
    days: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what the site stores with the lead)."""
        return {
            "converted_at": self.converted_at.isoformat(),
            "first": _touch_json(self.first),
            "last": _touch_json(self.last),
            "visits": self.visits,
            "days": self.days,
        }

    @classmethod
    def from_json(cls, data: object) -> Touches | None:
        """Back from ``to_json``; None for anything else (an unknown or damaged value)."""
        if not isinstance(data, Mapping):
            return None
        try:
            first, last = _touch_of(data["first"]), _touch_of(data["last"])
            converted = datetime.datetime.fromisoformat(str(data["converted_at"]))
            visits, days = int(data["visits"]), int(data["days"])
        # OverflowError: an infinite count (JSON's 1e999) in a value written by hand
        except (KeyError, TypeError, ValueError, OverflowError):
            return None
        if first is None or last is None:
            return None
        return cls(converted, first, last, visits, days)


def _touch_json(touch: Touch) -> dict[str, str]:
    return {
        "at": touch.at.isoformat(),
        "source": touch.source,
        "host": touch.host,
        "medium": touch.medium,
        "campaign": touch.campaign,
        "landing": touch.landing,
        "country": touch.country,
        "device": touch.device,
        "browser": touch.browser,
    }


def _touch_of(data: object) -> Touch | None:
    if not isinstance(data, Mapping):
        return None
    text = {
        name: str(data.get(name) or "")
        for name in ("source", "host", "medium", "campaign", "landing", "country", "device")
    }
    return Touch(
        at=datetime.datetime.fromisoformat(str(data["at"])),
        browser=str(data.get("browser") or ""),
        **text,
    )


@dataclass(frozen=True)
class JourneyVisit:
    """One visit on the way to a conversion, as the CRM's lead page tells it."""

    touch: Touch
    pageviews: int
    seconds: int
    converted: bool  # the conversion was sent in this visit


def _visit_touch(visit: Mapping[str, Any]) -> Touch:
    source = str(visit["referrer_source"] or "direct")
    # a tagged link names where it was posted better than the referrer (a mail client sends none)
    host = str(visit["utm_source"] or "") if source == "campaign" else ""
    return Touch(
        at=visit["started_at"],
        source=source,
        host=host or str(visit["referrer_host"] or ""),
        medium=str(visit["utm_medium"] or ""),
        campaign=str(visit["utm_campaign"] or ""),
        landing=str(visit["entry_path"] or ""),
        country=str(visit["country"] or ""),
        device=str(visit["device"] or ""),
        browser=str(visit["browser"] or ""),
    )


def valid_ids(conversion_ids: Iterable[object]) -> list[str]:
    """The ids that may be conversion events (uuid strings), each once, sorted."""
    return sorted(
        {cid for cid in conversion_ids if isinstance(cid, str) and _EVENT_ID.fullmatch(cid)}
    )


# ---------------------------------------------------------------------------- the lookups


def _conversions(ids: list[str]) -> list[tuple[str, str, int, datetime.datetime]]:
    """(event id, visitor id, visit id, when) of the stored conversions among ``ids``."""
    found: list[tuple[str, str, int, datetime.datetime]] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        if clickhouse_client.active():
            found += clickhouse_attribution.conversions(chunk)
            continue
        query = (
            Event.select(Event.event_id, Event.visitor_id, Event.visit, Event.occurred_at)
            .where((Event.type == "conversion") & Event.event_id.in_(chunk))
            .tuples()
        )
        found += cast(Iterable[tuple[str, str, int, datetime.datetime]], rows(query))
    return found


def browsers_of(conversion_ids: Iterable[object]) -> set[str]:
    """The browsers (visitor ids) that sent the stored conversions among ``conversion_ids``."""
    return {visitor for _, visitor, _, _ in _conversions(valid_ids(conversion_ids))}


def _visits(
    visitors: list[str], start: datetime.datetime, end: datetime.datetime
) -> list[dict[str, Any]]:
    """The visits of ``visitors`` started from ``start`` to ``end``, oldest first."""
    found: list[dict[str, Any]] = []
    for first in range(0, len(visitors), _CHUNK):
        chunk = visitors[first : first + _CHUNK]
        if clickhouse_client.active():
            found += clickhouse_attribution.visits(chunk, start, end)
            continue
        fields = [getattr(Visit, name) for name in _VISIT_FIELDS]
        query = (
            Visit.select(*fields)
            .where(
                Visit.visitor_id.in_(chunk)
                & (Visit.started_at >= start)
                & (Visit.started_at <= end)
            )
            .order_by(Visit.started_at, Visit.id)
            .tuples()
        )
        found += [dict(zip(_VISIT_FIELDS, row, strict=True)) for row in rows(query)]
    found.sort(key=lambda visit: (visit["started_at"], visit["id"]))
    return found


def _pageviews(visits: list[dict[str, Any]]) -> dict[int, int]:
    """Page views per visit id (ClickHouse keeps the count on the visit's row)."""
    if clickhouse_client.active():
        return {int(visit["id"]): int(visit.get("pageviews") or 0) for visit in visits}
    ids = [visit["id"] for visit in visits]
    if not ids:
        return {}
    query = (
        Event.select(Event.visit, peewee.fn.COUNT(Event.id))
        .where((Event.type == "pageview") & Event.visit.in_(ids))
        .group_by(Event.visit)
        .tuples()
    )
    return {int(visit_id): int(count) for visit_id, count in rows(query)}


def _leading(
    visits: list[dict[str, Any]],
    visit_id: int,
    occurred_at: datetime.datetime,
    lookback: datetime.timedelta,
) -> list[dict[str, Any]]:
    """The visits (of the converting browser, oldest first) that count for one conversion."""
    earliest = occurred_at - lookback
    return [
        visit
        for visit in visits
        if visit["id"] == visit_id or earliest <= visit["started_at"] <= occurred_at
    ]


def touches_of(
    conversion_ids: Iterable[object], lookback_days: int = LOOKBACK_DAYS
) -> dict[str, Touches]:
    """The touches of each conversion event found among ``conversion_ids``; an id missing from
    the answer is not stored (yet: the writer may not have caught up; or no longer: erased or
    past the raw retention). Three queries per 500 ids, whatever the number of visits."""
    ids = valid_ids(conversion_ids)
    if not ids:
        return {}
    lookback = datetime.timedelta(days=lookback_days)
    conversions = _conversions(ids)
    if not conversions:
        return {}
    visitors = sorted({visitor for _id, visitor, _visit, _when in conversions})
    start = min(when for *_rest, when in conversions) - lookback
    end = max(when for *_rest, when in conversions)
    by_visitor: dict[str, list[dict[str, Any]]] = {}
    for visit in _visits(visitors, start, end):
        by_visitor.setdefault(visit["visitor_id"], []).append(visit)
    found: dict[str, Touches] = {}
    for event_id, visitor, visit_id, occurred_at in conversions:
        leading = _leading(by_visitor.get(visitor, []), visit_id, occurred_at, lookback)
        if not leading:
            continue  # the visit itself is gone (erased between the two queries)
        own = next((visit for visit in leading if visit["id"] == visit_id), leading[-1])
        credited = [visit for visit in leading if visit["referrer_source"] not in DIRECT]
        first = leading[0]
        last = credited[-1] if credited else own
        found[event_id] = Touches(
            converted_at=occurred_at,
            first=_visit_touch(first),
            last=_visit_touch(last),
            visits=len(leading),
            days=max((occurred_at - first["started_at"]).days, 0),
        )
    return found


def journey(conversion_id: object, lookback_days: int = LOOKBACK_DAYS) -> list[JourneyVisit]:
    """The visits that led to one conversion, oldest first ([] when it is not stored)."""
    ids = valid_ids([conversion_id])
    if not ids:
        return []
    conversions = _conversions(ids)
    if not conversions:
        return []
    _event_id, visitor, visit_id, occurred_at = conversions[0]
    lookback = datetime.timedelta(days=lookback_days)
    visits = _leading(
        _visits([visitor], occurred_at - lookback, occurred_at), visit_id, occurred_at, lookback
    )
    pageviews = _pageviews(visits)
    return [
        JourneyVisit(
            touch=_visit_touch(visit),
            pageviews=pageviews.get(int(visit["id"]), 0),
            seconds=max(int((visit["last_seen_at"] - visit["started_at"]).total_seconds()), 0),
            converted=visit["id"] == visit_id,
        )
        for visit in visits
    ]


def conversion_events(names: Iterable[str]) -> list[tuple[str, str, datetime.datetime]]:
    """(event id, name, when) of every stored conversion event called one of ``names``, oldest
    first: what the demo data links its leads and sign-ups to."""
    wanted = sorted(set(names))
    if clickhouse_client.active():
        return clickhouse_attribution.conversion_events(wanted)
    query = (
        Event.select(Event.event_id, Event.name, Event.occurred_at)
        .where((Event.type == "conversion") & Event.name.in_(wanted))
        .order_by(Event.occurred_at, Event.id)
        .tuples()
    )
    return list(cast(Iterable[tuple[str, str, datetime.datetime]], rows(query)))
