"""Demo data for the campaign-to-customer report: the demo traffic's sent forms linked to the
CRM's leads and to course sign-ups, and a believable pipeline behind them.

``demo.load.leads_for_conversions`` makes a lead for each contact, quote and demo conversion of
the demo traffic, at the moment it was sent. ``attribute_demo_leads`` then gives each of them
its conversion event (and so its touches), makes a course sign-up for each course conversion,
and moves the leads through kontaktad, kvalificerad and vunnen or forlorad with dated history
events, so that the report shows campaigns whose leads become customers, with days to win.
Paid campaigns' leads are won a little more often than organic ones, the way a marketer hopes.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

import analytics

from ..auth.models import User
from ..clock import now
from ..courses.models import CourseSession, Registration
from ..db import database
from . import attribution
from .models import Contact, Lead, LeadEvent

# the demo traffic's conversions and the lead types behind them (as demo.load names them)
LEAD_TYPES = {"contact": "question", "quote": "quote", "demo": "demo"}
# who works the demo leads (a demo user), when there is one
DEMO_SELLER = "support@winlas.se"
# (chance to be qualified, chance a qualified lead is won) by the last touch's source
OUTCOMES = {"campaign": (0.75, 0.6), "referral": (0.6, 0.5), "search": (0.5, 0.4)}
OTHER_OUTCOME = (0.4, 0.35)
FIRST_NAMES = ("Åsa", "Björn", "Cecilia", "David", "Elin", "Fredrik", "Greta", "Hanna")
LAST_NAMES = ("Holm", "Lind", "Sjöberg", "Ek", "Strand", "Wall", "Nord")
PLACES = ("Skellefteå", "Trollhättan", "Ystad", "Mora", "Motala", "Nyköping")


def _ascii(text: str) -> str:
    return text.lower().translate(str.maketrans("åäöé", "aaoe"))


def _moves(
    rng: random.Random, created: datetime.datetime, source: str, latest: datetime.datetime
) -> list[tuple[str, datetime.datetime]]:
    """The status moves of one lead: contacted within two days, qualified within two weeks, won
    or lost within a month or so; only the moves that have happened by ``latest``."""
    qualify, win = OUTCOMES.get(source, OTHER_OUTCOME)
    moment = created + datetime.timedelta(hours=rng.uniform(3, 48))
    moves = [("kontaktad", moment)]
    if rng.random() < qualify:
        moment += datetime.timedelta(days=rng.uniform(2, 10))
        moves.append(("kvalificerad", moment))
        moment += datetime.timedelta(days=rng.uniform(5, 30))
        moves.append(("vunnen" if rng.random() < win else "forlorad", moment))
    else:
        moment += datetime.timedelta(days=rng.uniform(5, 30))
        moves.append(("forlorad", moment))
    return [(status, when) for status, when in moves if when <= latest]


def attribute_demo_leads(seed: int) -> dict[str, int]:
    """Link the demo leads to their conversion events, add a course sign-up per course
    conversion, look up every touch, and give the leads a dated pipeline; counts of what was
    made. Run after ``demo.load.leads_for_conversions(seed)``."""
    rng = random.Random(seed)
    events = analytics.conversion_events([*LEAD_TYPES, "course"])
    waiting: dict[tuple[str, datetime.datetime], list[str]] = defaultdict(list)
    courses: list[tuple[str, datetime.datetime]] = []
    for event_id, name, occurred_at in events:
        if name == "course":
            courses.append((event_id, occurred_at))
        else:
            waiting[(LEAD_TYPES[name], occurred_at)].append(event_id)
    seller = User.by_email(DEMO_SELLER)
    sessions = list(CourseSession.select().order_by(CourseSession.starts_at))
    # the keys read well in ``winlas demo-data``'s summary ("loaded ..., 31 leads linked to
    # their visits, ...")
    made = {"leads linked to their visits": 0, "course sign-ups from the demo traffic": 0}
    won = 0
    with database.atomic():
        demo_leads = Lead.select().where(
            Lead.idempotency_key.startswith("demo-traffic-") & Lead.conversion_id.is_null()
        )
        for lead in demo_leads.order_by(Lead.created_at, Lead.id):
            ids = waiting.get((lead.type, lead.created_at))
            if ids:
                Lead.update(conversion_id=ids.pop(0), status="ny", touches=None).where(
                    Lead.id == lead.id
                ).execute()
                made["leads linked to their visits"] += 1
        for number, (event_id, occurred_at) in enumerate(courses if sessions else [], 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            place = rng.choice(PLACES)
            contact = Contact.create(
                email=f"{_ascii(first)}.{_ascii(last)}.kurs{number}@{_ascii(place)}.exempel.se",
                first_name=first,
                last_name=last,
                organisation_name=f"{place} kommun",
                created_at=occurred_at,
                updated_at=occurred_at,
            )
            Registration.create(
                course_session=rng.choice(sessions),
                contact=contact,
                created_at=occurred_at,
                conversion_id=event_id,
                submission=f"demo{seed}{number:08d}"[:32],
            )
            made["course sign-ups from the demo traffic"] += 1
    attribution.fill_pending()
    latest = now()
    with database.atomic():
        linked = Lead.select().where(
            Lead.idempotency_key.startswith("demo-traffic-") & Lead.conversion_id.is_null(False)
        )
        for lead in linked.order_by(Lead.created_at, Lead.id):
            touches = attribution.touches_of(lead.touches)
            source = touches.last.source if touches else "direct"
            status = "ny"
            for status, when in _moves(rng, lead.created_at, source, latest):
                LeadEvent.create(
                    lead=lead.id,
                    kind="status",
                    author=seller.id if seller else None,
                    created_at=when,
                    detail={"from": lead.status, "to": status},
                )
                lead.status = status
            Lead.update(status=status).where(Lead.id == lead.id).execute()
            won += status == "vunnen"
    made["demo leads won"] = won
    return made
