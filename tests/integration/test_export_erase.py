"""The data export holds a row of every personal-data model; erasure leaves no trace of the
address anywhere in the database (every table is searched)."""

from __future__ import annotations

import datetime
import json

import pytest

from analytics.dashboard_models import Annotation, SavedView
from analytics.models import Event, Visit
from analytics.profile_models import InterestProfile, InterestScore, ProfileOptOut
from tests.conftest import PASSWORD, csrf_from, log_in
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site import inventory
from winlas_site.account import data as person
from winlas_site.account.data import EXPORT_SECTIONS
from winlas_site.account.models import AuditEntry, RetentionNotice
from winlas_site.auth.models import Organisation, User, UserSession
from winlas_site.consent.models import ConsentRecord
from winlas_site.content import Revision
from winlas_site.courses.models import (
    Course,
    CourseSession,
    Registration,
    RegistrationSeminar,
    SeminarSlot,
)
from winlas_site.digest.models import DigestSubscription
from winlas_site.leads.models import Contact, Lead, LeadEvent, LeadNote, submit_inquiry
from winlas_site.mail.models import OutboxMessage
from winlas_site.media.models import Image
from winlas_site.newsletter.models import (
    MailEvent,
    NewsletterIssue,
    Preference,
    Subscription,
)

EMAIL = "greta.grundlig@exempelkommun.se"
SURNAME = "Grundligsdotter"
VISITOR = "v" * 32
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.fixture
def app_config(app_config, smtp_server):  # noqa: F811
    host, port = smtp_server.host, smtp_server.port
    app_config.update(
        WINLAS_SMTP_HOST=host,
        WINLAS_SMTP_PORT=port,
        WINLAS_SMTP_STARTTLS=False,
        WINLAS_SITE_URL="http://www.winlas.example",
    )
    return app_config


def give_consent(client):
    response = client.post(
        "/samtycke",
        data={"action": "accept_all", "next": "/"},
        headers={"Origin": "http://localhost", "User-Agent": CHROME},
    )
    assert response.status_code == 303


def seed_person(app, email=EMAIL, role="customer") -> int:
    """A person with a row in every table that can hold personal data; returns the user id."""
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    with app.app_context():
        organisation = Organisation.create(name="Exempelkommun", customer_number="K-77")
        user = User.create_account(
            email,
            PASSWORD,
            role=role,
            first_name="Greta",
            last_name=SURNAME,
            organisation=organisation,
        )
        user.work_phone = "08-123 45 67"
        user.save()
        RetentionNotice.create(user=user, deadline=now + datetime.timedelta(days=30))
        lead, _created = submit_inquiry(
            "question",
            "sub-" + email,
            {
                "email": email,
                "first_name": "Greta",
                "last_name": SURNAME,
                "organisation_name": "Exempelkommun",
                "work_phone": "08-123 45 67",
            },
            {"message": f"Hej, jag heter Greta {SURNAME}.", "marketing_consent": True},
        )
        LeadNote.create(lead=lead, text=f"Ringde {SURNAME}, mejla {email}.")
        LeadEvent.record(lead, "status", user, {"from": "ny", "to": "kontaktad"})
        # what the person did as an editor: a page version and an uploaded image
        Revision.create(
            kind="news",
            object_id=1,
            data="{}",
            action="edited",
            author_id=user.id,
            author_name=f"Greta {SURNAME}",
        )
        Image.create(
            file_name="cd" * 16 + ".webp",
            original_name="bild.png",
            content_type="image/webp",
            width=10,
            height=10,
            byte_size=100,
            alt_sv="En bild",
            uploaded_by=user,
        )
        course = Course.create(slug="grundkurs", title_sv="Grundkurs", summary_sv="s", body_sv="b")
        session = CourseSession.create(
            course=course,
            starts_at=now + datetime.timedelta(days=40),
            ends_at=now + datetime.timedelta(days=40, hours=6),
            place_sv="Stockholm",
        )
        slot = SeminarSlot.create(course_session=session, title_sv="Pass A", starts_at=now)
        registration = Registration.create(
            course_session=session, contact=lead.contact, user=user, dietary_other="ingen fisk"
        )
        RegistrationSeminar.create(registration=registration, slot=slot)
        subscription = Subscription.create(
            email=email, status="confirmed", contact=lead.contact, confirmed_at=now
        )
        Preference.for_email(email).mirror(newsletter=True, email_tracking_consent=True)
        issue = NewsletterIssue.create(subject="Nyheter", body="Text", created_by=user)
        MailEvent.record(issue.id, subscription, "open", is_machine=False)
        OutboxMessage.create(
            kind="administrative",
            to_address=email,
            subject=f"Hej Greta {SURNAME}",
            body_text="Tack!",
            message_id="<x@winlas.se>",
            status="sent",
        )
        OutboxMessage.create(
            kind="administrative",
            to_address="salj@winlas.se",
            subject="Ny fråga",
            body_text=f"Från {email}",
            headers=json.dumps({"Reply-To": email}),
            message_id="<y@winlas.se>",
            status="sent",
            related=f"lead:{lead.id}",
        )
        visit = Visit.create(
            visitor_id=VISITOR,
            user_id=user.id,
            started_at=now,
            last_seen_at=now,
            entry_path="/produkter",
            exit_path="/produkter",
        )
        Event.create(
            event_id="e-" + email[:20],
            visit=visit,
            visitor_id=VISITOR,
            user_id=user.id,
            type="pageview",
            occurred_at=now,
            received_at=now,
            path="/produkter",
        )
        profile = InterestProfile.create(
            visitor_id=VISITOR, user_id=user.id, first_event_at=now, last_event_at=now
        )
        InterestScore.create(
            profile=profile,
            topic="produkt:winlas-bibliotek",
            score=3.0,
            pageviews=3,
            first_event_at=now,
            last_event_at=now,
        )
        ProfileOptOut.create(visitor_id=VISITOR, created_at=now)
        # what the person wrote on the dashboard and the digest they asked for
        Annotation.add(now.date(), "Kampanj skolbibliotek startar", user.id)
        SavedView.save_as("Kampanjer hösten", "period=30d&campaign=skolbibliotek", user.id)
        DigestSubscription.choose(user, True, "sv")
        AuditEntry.record("lookup", email=email)
        return user.id


def rows_of_every_table(database) -> dict[str, list[tuple]]:
    """Every row of every table of the schema under test."""
    schema = None
    if not database.__class__.__name__.lower().startswith(("sqlite", "pooledsqlite")):
        schema = database.execute_sql("SELECT current_schema()").fetchone()[0]
    found = {}
    for table in database.get_tables(schema=schema) if schema else database.get_tables():
        found[table] = list(database.execute_sql(f'SELECT * FROM "{table}"').fetchall())  # noqa: S608
    return found


def traces(database, *needles: str) -> list[str]:
    hits = []
    for table, rows in rows_of_every_table(database).items():
        for row in rows:
            text = " ".join(str(value) for value in row).lower()
            hits += [f"{table}: {needle}" for needle in needles if needle.lower() in text]
    return hits


def test_the_export_holds_a_row_of_every_personal_data_model(app, client, database):
    seed_person(app)
    give_consent(client)
    client.set_cookie("winlas_vid", VISITOR)
    assert log_in(client, EMAIL).status_code == 302
    response = client.get("/konto/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))

    def has_rows(table: str) -> bool:
        section = data[EXPORT_SECTIONS[table]]
        checks = {
            "user": lambda: section["email"] == EMAIL and section["work_phone"] == "08-123 45 67",
            "lead_note": lambda: SURNAME in section[0]["notes"][0]["text"],
            "lead_event": lambda: section[0]["events"][0]["detail"]["to"] == "kontaktad",
            "revision": lambda: section[0]["author_name"] == f"Greta {SURNAME}",
            "image": lambda: section[0]["file_name"] == "cd" * 16 + ".webp",
            "registration_seminar": lambda: section[0]["seminar_slot_ids"],
            "subscription": lambda: section["subscription"]["status"] == "confirmed",
            "preference": lambda: section["preference"]["email_tracking_consent"],
            "mail_event": lambda: section["mail_events"][0]["kind"] == "open",
            "visit": lambda: section["visits"][0]["visitor_id"] == VISITOR,
            "event": lambda: section["visits"][0]["events"][0]["path"] == "/produkter",
            "interest_profile": lambda: section[0]["topic"] == "produkt:winlas-bibliotek",
            "interest_score": lambda: section[0]["reasons"],
        }
        return bool(checks.get(table, lambda: section)())

    tables = [model._meta.table_name for model in inventory.personal_models()]
    missing = [table for table in tables if not has_rows(table)]
    assert missing == []
    assert data["account"]["organisation"]["name"] == "Exempelkommun"
    assert "$argon2" not in json.dumps(data)
    assert data["consent_records"][0]["action"] == "accept_all"
    assert {message["subject"] for message in data["emails"]} == {
        f"Hej Greta {SURNAME}",
        "Ny fråga",
    }
    assert any(entry["action"] == "self_export" for entry in data["audit_log"]) is False
    with app.app_context():
        assert AuditEntry.select().where(AuditEntry.action == "self_export").count() == 1


def test_the_export_page_summarises_the_file(app, client):
    seed_person(app)
    log_in(client, EMAIL)
    html = client.get("/konto/export").get_data(as_text=True)
    assert "/konto/export.json" in html
    assert "Förfrågningar" in html and "Kursanmälningar" in html
    assert "Dina kursanmälningar: kurstillfälle, status, kostavvikelser" in html  # inventory
    # the section names follow the reader's language, also after a page in the other one
    client.get("/sprak/en")
    english = client.get("/konto/export").get_data(as_text=True)
    assert "Course sign-ups" in english and "Kursanmälningar" not in english


def test_erasure_leaves_no_trace_of_the_address_in_any_table(app, client, database, smtp_server):  # noqa: F811
    user_id = seed_person(app)
    give_consent(client)
    log_in(client, EMAIL)
    # a bystander's data stays
    seed_other = "annan.person@exempel.se"
    with app.app_context():
        submit_inquiry(
            "demo",
            "other",
            {"email": seed_other, "first_name": "Ann", "last_name": "Annan"},
            {"message": "Visning tack"},
        )
    page = client.get("/konto/radera")
    response = client.post(
        "/konto/radera",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "password": PASSWORD,
            "confirm": "y",
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/konto/raderat")
    assert traces(database, EMAIL, SURNAME) == []
    # the browser's objection to profiling stays, so that browser is never profiled again;
    # it names a random browser id, nothing else of the person remains
    assert traces(database, VISITOR) == ["profile_opt_out: " + VISITOR]
    # the confirmation went out (and its outbox row is gone)
    assert [message["To"] for message in smtp_server.messages] == [EMAIL]
    assert "raderat" in smtp_server.messages[0]["Subject"]
    with app.app_context():
        assert User.get_or_none(User.id == user_id) is None
        assert Contact.by_email(seed_other) is not None
        assert ConsentRecord.select().count() == 1  # a browser's proof, not the person's
        entry = AuditEntry.select().where(AuditEntry.action == "self_erase").get()
        assert entry.subject_digest and EMAIL not in entry.details
        assert entry.details_dict()["user"] == 1
    # logged out, and the password no longer opens anything
    assert client.get("/konto/").status_code == 302
    assert log_in(client, EMAIL).status_code == 401


def test_erasure_needs_the_password_and_the_confirmation(app, client, database):
    seed_person(app)
    log_in(client, EMAIL)
    token = csrf_from(client.get("/konto/radera").get_data(as_text=True))
    wrong = client.post(
        "/konto/radera", data={"csrf_token": token, "password": "fel-lösenord", "confirm": "y"}
    )
    assert wrong.status_code == 400 and "Fel lösenord" in wrong.get_data(as_text=True)
    unconfirmed = client.post("/konto/radera", data={"csrf_token": token, "password": PASSWORD})
    assert unconfirmed.status_code == 400
    no_csrf = client.post("/konto/radera", data={"password": PASSWORD, "confirm": "y"})
    assert no_csrf.status_code == 400
    huge = client.post(
        "/konto/radera", data={"csrf_token": token, "password": "x" * 5000, "confirm": "y"}
    )
    assert huge.status_code == 400
    with app.app_context():
        assert User.by_email(EMAIL) is not None
        assert Lead.select().count() == 1


def test_erasing_an_upcoming_confirmed_place_gives_it_to_the_waitlist(app, client, smtp_server):  # noqa: F811
    seed_person(app)
    with app.app_context():
        session = CourseSession.get()
        session.capacity = 1
        session.save()
        waiting_contact = Contact.create(email="vantar@exempel.se", first_name="V", last_name="T")
        waiting = Registration.create(
            course_session=session, contact=waiting_contact, status="waitlisted", position=1
        )
    log_in(client, EMAIL)
    token = csrf_from(client.get("/konto/radera").get_data(as_text=True))
    client.post("/konto/radera", data={"csrf_token": token, "password": PASSWORD, "confirm": "y"})
    with app.app_context():
        assert Registration.get_by_id(waiting.id).status == "confirmed"
    assert "vantar@exempel.se" in [message["To"] for message in smtp_server.messages]


def test_a_confirmation_not_yet_delivered_is_scrubbed_once_it_is(app, smtp_server):  # noqa: F811
    smtp_server.fail_with = 451
    with app.test_request_context():
        person.send_confirmation(EMAIL, "sv", "request")
        message = OutboxMessage.get()
        assert message.status == "retrying"  # kept only while it may still be delivered
        smtp_server.fail_with = None
        OutboxMessage.update(next_attempt_at=datetime.datetime(2000, 1, 1)).execute()
        from winlas_site.mail.service import retry_due

        retry_due()
        assert OutboxMessage.select().count() == 1  # sent, not yet scrubbed
        assert person.scrub_confirmations() == 1
        assert OutboxMessage.select().count() == 0


def test_erasing_a_staff_member_keeps_their_leads_and_newsletters_unowned(app):
    seed_person(app, email="staff@winlas.se", role="staff")
    with app.app_context():
        customer = Contact.create(email="kund@exempel.se", first_name="K", last_name="K")
        lead = Lead.create(
            contact=customer,
            type="quote",
            idempotency_key="k",
            owner=User.by_email("staff@winlas.se"),
        )
        counts = person.erase_person("staff@winlas.se")
        assert counts["user"] == 1
        assert Lead.get_by_id(lead.id).owner is None
        assert NewsletterIssue.get().created_by is None
        assert UserSession.select().count() == 0
