"""From campaign to customer: the touches kept with each lead and course sign-up, and the
leads handed to analytics' report (``Host.site_leads``).

A sent form records a conversion event (statistics consent only) and the lead or sign-up keeps
its id (``remember``). The writer stores the event a moment later, so the touches are looked up
afterwards (``analytics.touches_of``): by the queue every ten minutes (``crm.tasks``) and, for
what is still waiting, just before the report or the lead's page reads them. They are kept on
the row because raw visits are purged after ANALYTICS_RAW_RETENTION_DAYS; they go with the lead
or sign-up (its erasure, its retention). Without a conversion id nothing is looked up: the
touches stay unknown.

``touches``: None, not looked up yet; ``{}``, looked up and not found within ``GIVE_UP_AFTER``
(erased, quarantined by the writer): unknown for good; else ``analytics.Touches.to_json()``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import analytics

from ..clock import now
from ..courses.models import Registration
from ..db import rows
from .models import STATUSES, Lead, LeadEvent

# the writer stores a line within seconds (minutes when the processors are busy); an event not
# stored after this long never will be (its person was erased, the line was quarantined)
GIVE_UP_AFTER = datetime.timedelta(days=2)
# the lead types as analytics names their conversions (``analytics.CONVERSIONS``)
LEAD_KINDS = {"question": "contact", "quote": "quote", "demo": "demo"}
QUALIFIED = ("kvalificerad", "vunnen")
WON = "vunnen"
_CHUNK = 500

Kept = type[Lead] | type[Registration]


def remember(row: Lead | Registration, conversion_id: str | None) -> None:
    """Keep the conversion event of a lead or sign-up just made (None: nothing to keep)."""
    if conversion_id is None:
        return
    model = type(row)
    model.update(conversion_id=conversion_id).where(model.id == row.id).execute()
    row.conversion_id = conversion_id


def _pending(model: Kept, condition: Any = None) -> list[tuple[int, str, datetime.datetime]]:
    """(id, conversion id, created at) of rows whose touches were not looked up yet."""
    where = model.conversion_id.is_null(False) & model.touches.is_null()
    if condition is not None:
        where &= condition
    return list(
        rows(model.select(model.id, model.conversion_id, model.created_at).where(where).tuples())
    )


def _fill(model: Kept, pending: list[tuple[int, str, datetime.datetime]]) -> int:
    """Look up and store the touches of these rows; how many were settled (found or given up)."""
    settled = 0
    moment = now()
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start : start + _CHUNK]
        found = analytics.touches_of([conversion for _id, conversion, _at in chunk])
        for row_id, conversion, created_at in chunk:
            touches = found.get(conversion)
            if touches is not None:
                value: dict[str, Any] = touches.to_json()
            elif moment - created_at > GIVE_UP_AFTER:
                value = {}
            else:
                continue  # the writer has not caught up: the next run looks again
            # only while still unsettled: a concurrent run or an erasure wins
            model.update(touches=value).where(
                (model.id == row_id) & model.touches.is_null()
            ).execute()
            settled += 1
    return settled


def fill_pending(
    first: datetime.datetime | None = None, last: datetime.datetime | None = None
) -> int:
    """Look up the touches of every lead and sign-up still waiting (created in [first, last)
    when given); how many were settled."""
    settled = 0
    for model in (Lead, Registration):
        condition = None
        if first is not None and last is not None:
            condition = (model.created_at >= first) & (model.created_at < last)
        settled += _fill(model, _pending(model, condition))
    return settled


def touches_of(value: object) -> analytics.Touches | None:
    """A row's stored touches (None: unknown, or not looked up yet)."""
    return analytics.Touches.from_json(value) if value else None


# ---------------------------------------------------------------------------- the lead's page


@dataclass(frozen=True)
class Attribution:
    """What the lead's page says about where the lead came from."""

    state: str  # "unknown" (no consent), "pending" (not stored yet), "lost", "found"
    touches: analytics.Touches | None
    journey: list[analytics.JourneyVisit]


def for_lead(lead: Lead) -> Attribution:
    """The lead's touches (looked up now if still waiting) and its journey while the raw visits
    exist (``analytics.journey``)."""
    if lead.conversion_id is None:
        return Attribution("unknown", None, [])
    if lead.touches is None:
        _fill(Lead, [(lead.id, lead.conversion_id, lead.created_at)])
        lead.touches = Lead.get_by_id(lead.id).touches
    touches = touches_of(lead.touches)
    journey = analytics.journey(lead.conversion_id) if touches is not None else []
    if touches is not None:
        return Attribution("found", touches, journey)
    return Attribution("pending" if lead.touches is None else "lost", None, [])


# ---------------------------------------------------------------------------- the report


def _bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    start = datetime.datetime.combine(first, datetime.time.min)
    return start, datetime.datetime.combine(last, datetime.time.min) + datetime.timedelta(days=1)


def pipeline_moments(
    start: datetime.datetime, end: datetime.datetime
) -> dict[int, tuple[datetime.datetime | None, datetime.datetime | None]]:
    """``{lead id: (qualified_at, won_at)}`` of the leads created in [start, end) from their
    status history: the first move to kvalificerad or vunnen, and the last move to vunnen (the
    one that made it won now). One statement, however many leads (the dashboard pins it)."""
    created = Lead.select(Lead.id).where((Lead.created_at >= start) & (Lead.created_at < end))
    query = (
        LeadEvent.select(LeadEvent.lead, LeadEvent.created_at, LeadEvent.detail)
        .where((LeadEvent.kind == "status") & LeadEvent.lead.in_(created))
        .order_by(LeadEvent.created_at, LeadEvent.id)
    )
    found: dict[int, tuple[datetime.datetime | None, datetime.datetime | None]] = {}
    for event in query:
        detail = event.detail if isinstance(event.detail, dict) else {}
        moved_to = detail.get("to")
        qualified, won = found.get(event.lead_id, (None, None))
        if moved_to in QUALIFIED and qualified is None:
            qualified = event.created_at
        if moved_to == WON:
            won = event.created_at
        found[event.lead_id] = (qualified, won)
    return found


def site_leads(first: datetime.date, last: datetime.date) -> list[analytics.SiteLead]:
    """The inquiries and course sign-ups created from ``first`` to ``last`` (UTC days) with
    their CRM status, when they were qualified and won, and their touches, for analytics'
    campaign-to-customer report. What is still waiting for its touches is looked up first."""
    start, end = _bounds(first, last)
    fill_pending(start, end)
    leads = list(
        rows(
            Lead.select(
                Lead.id, Lead.type, Lead.created_at, Lead.status, Lead.conversion_id, Lead.touches
            )
            .where((Lead.created_at >= start) & (Lead.created_at < end))
            .order_by(Lead.created_at, Lead.id)
            .tuples()
        )
    )
    moments = pipeline_moments(start, end)
    found = []
    for lead_id, kind, created_at, status, conversion_id, stored in leads:
        qualified_at, won_at = moments.get(lead_id, (None, None))
        touches = touches_of(stored)
        found.append(
            analytics.SiteLead(
                kind=LEAD_KINDS.get(kind, kind),
                created_at=created_at,
                conversion_id=conversion_id,
                status=status if status in STATUSES else "ny",
                won_at=won_at if status == WON else None,
                qualified_at=qualified_at,
                first_touch=touches.first if touches else None,
                last_touch=touches.last if touches else None,
            )
        )
    registrations = rows(
        Registration.select(
            Registration.created_at,
            Registration.status,
            Registration.conversion_id,
            Registration.touches,
        )
        .where((Registration.created_at >= start) & (Registration.created_at < end))
        .order_by(Registration.created_at, Registration.id)
        .tuples()
    )
    for created_at, status, conversion_id, stored in registrations:
        touches = touches_of(stored)
        found.append(
            analytics.SiteLead(
                kind="course",
                created_at=created_at,
                conversion_id=conversion_id,
                status=status,
                first_touch=touches.first if touches else None,
                last_touch=touches.last if touches else None,
            )
        )
    return found
