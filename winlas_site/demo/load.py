"""Load the demo content of ``content.py`` and a few demo users."""

from __future__ import annotations

import datetime
import random

import analytics

from .. import clock
from ..auth.models import Organisation, User
from ..content import CREATED, Author, record
from ..courses.models import Course, CourseSession, SeminarSlot
from ..customer.models import CustomerResource
from ..db import database
from ..editor.kinds import KINDS as EDITOR_KINDS
from ..leads.models import Contact, Lead
from ..news.models import Article
from ..newsletter.models import NewsletterIssue  # issue 17, language
from ..privacy.models import SubProcessor
from ..products.models import CustomerQuote, Product  # CustomerQuote: issue 17, products
from . import content

DEMO_USERS = (
    # (email, role, first name, last name)
    ("marknad@winlas.se", "marketer", "Maja", "Marknad"),
    ("support@winlas.se", "staff", "Sam", "Support"),
    ("admin@winlas.se", "admin", "Ada", "Admin"),
    ("bibliotekarie@exempelkommun.se", "customer", "Karin", "Kund"),
)

DEMO_MARKETER = DEMO_USERS[0][0]

# the author of the demo pages' first revisions (no account)
DEMO_AUTHOR = Author(None, "Demoinnehåll")


def load_all(password: str) -> dict[str, int]:
    """Insert every demo row in one transaction; returns counts per kind."""
    with database.atomic():
        for item in content.PRODUCTS:
            Product.create(
                **{
                    **item,
                    "features_sv": "\n".join(item["features_sv"]),
                    "features_en": "\n".join(item["features_en"]),
                }
            )
        for item in content.COURSES:
            fields = {key: value for key, value in item.items() if key != "sessions"}
            course = Course.create(**fields)
            for session in item["sessions"]:
                CourseSession.create(course=course, **session)
        for item in content.SEMINARS:
            session = CourseSession.get(
                (CourseSession.course == Course.by_slug(item["course_slug"]))
                & (CourseSession.starts_at == item["session_starts_at"])
            )
            fields = {
                key: value
                for key, value in item.items()
                if key not in ("course_slug", "session_starts_at")
            }
            SeminarSlot.create(course_session=session, **fields)
        for item in content.ARTICLES:
            Article.create(**item)
        for item in content.CUSTOMER_RESOURCES:
            CustomerResource.create(**item)
        for item in content.SUBPROCESSORS:
            SubProcessor.create(**item)
        # -- issue 17: products --
        for item in content.CUSTOMER_QUOTES:
            CustomerQuote.create(**item)
        # -- end issue 17: products --
        # -- issue 17: language --
        for item in content.NEWSLETTER_ISSUES:
            NewsletterIssue.create(**item)
        # -- end issue 17: language --
        # published from the start, each with a first revision: the editor shows who made it
        for kind in EDITOR_KINDS.values():
            for row in kind.model.select():
                record(kind.name, row, kind.fields, CREATED, DEMO_AUTHOR)
        winlas = Organisation.create(name="WinLas AB", kind="company")
        customer = Organisation.create(
            name="Exempelkommun, kulturförvaltningen",
            kind="municipality",
            customer_number="K-1001",
            mail_domains="exempelkommun.se",
        )
        for email, role, first, last in DEMO_USERS:
            if User.by_email(email) is None:
                User.create_account(
                    email,
                    password,
                    role=role,
                    first_name=first,
                    last_name=last,
                    organisation=customer if role == "customer" else winlas,
                )
    return {
        "products": len(content.PRODUCTS),
        "courses": len(content.COURSES),
        "seminars": len(content.SEMINARS),
        "articles": len(content.ARTICLES),
        "customer resources": len(content.CUSTOMER_RESOURCES),
        "sub-processors": len(content.SUBPROCESSORS),
        # -- issue 17: products --
        "customer quotes (demo)": len(content.CUSTOMER_QUOTES),
        # -- end issue 17: products --
        "users": len(DEMO_USERS),
    }


# people behind the demo traffic's sent forms (invented; the addresses are under exempel.se)
FIRST_NAMES = ("Anna", "Karin", "Eva", "Maria", "Lena", "Sara", "Johan", "Erik", "Lars", "Per")
LAST_NAMES = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Berg")
MUNICIPALITIES = ("Falun", "Kalmar", "Lund", "Umeå", "Växjö", "Östersund", "Borås", "Gävle")
# the dashboard's conversion names and the lead types behind them (dashboard_data.LEAD_SERIES)
LEAD_TYPES = {"contact": "question", "quote": "quote", "demo": "demo"}
AGE_OF_DONE_LEADS = datetime.timedelta(days=21)


def _ascii(text: str) -> str:
    return text.lower().translate(str.maketrans("åäö", "aao"))


def leads_for_conversions(seed: int) -> int:
    """A lead in the CRM for each contact, quote and demo conversion the demo traffic holds,
    made when it was sent: the dashboard's daily conversions (the site's leads) then tell the
    same story as its campaign and landing-page conversions (the analytics events)."""
    rng = random.Random(seed)
    sent = analytics.sent_conversions(LEAD_TYPES)
    newest = clock.now()
    made = 0
    with database.atomic():
        for number, (name, occurred_at) in enumerate(sent, 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            place = rng.choice(MUNICIPALITIES)
            person = {
                "first_name": first,
                "last_name": last,
                "organisation_name": f"{place} kommun, biblioteken",
            }
            contact = Contact.create(
                email=f"{_ascii(first)}.{_ascii(last)}{number}@{_ascii(place)}.exempel.se",
                created_at=occurred_at,
                updated_at=occurred_at,
                **person,
            )
            # older leads have been worked on, the newest wait for someone
            old = newest - occurred_at > AGE_OF_DONE_LEADS
            Lead.create(
                contact=contact,
                type=LEAD_TYPES[name],
                status=rng.choice(("kontaktad", "kvalificerad", "vunnen", "forlorad"))
                if old
                else "ny",
                idempotency_key=f"demo-traffic-{seed}-{number}",
                created_at=occurred_at,
                **person,
            )
            made += 1
    return made
