"""Load the demo content of ``content.py`` and a few demo users."""

from __future__ import annotations

from ..auth.models import Organisation, User
from ..courses.models import Course, CourseSession, SeminarSlot
from ..customer.models import CustomerResource
from ..db import database
from ..news.models import Article
from ..privacy.models import SubProcessor
from ..products.models import Product
from . import content

DEMO_USERS = (
    # (email, role, first name, last name)
    ("marknad@winlas.se", "marketer", "Maja", "Marknad"),
    ("support@winlas.se", "staff", "Sam", "Support"),
    ("admin@winlas.se", "admin", "Ada", "Admin"),
    ("bibliotekarie@exempelkommun.se", "customer", "Karin", "Kund"),
)


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
        "users": len(DEMO_USERS),
    }
