"""The DSAR tool (P16): admins look a person up by address, export, erase or record an
objection, for people with or without an account; staff read and export the audit log."""

from __future__ import annotations

import csv
import io
import json

import peewee
import pytest

from analytics.profile_models import InterestProfile
from tests.conftest import csrf_from, log_in
from tests.integration.test_export_erase import EMAIL, SURNAME, seed_person, traces
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.account.models import AppendOnly, AuditEntry, subject_digest
from winlas_site.auth.models import User
from winlas_site.leads.models import Contact, Lead, submit_inquiry
from winlas_site.newsletter.models import Preference, Subscription

ADMIN = "dso@winlas.se"
STRANGER = "utan.konto@exempel.se"
TOOL = ["/dataskydd/"]
TOOL_POSTS = ["/dataskydd/", "/dataskydd/export", "/dataskydd/radera", "/dataskydd/invandning"]
LOG = ["/dataskydd/logg", "/dataskydd/logg.csv"]


@pytest.fixture
def app_config(app_config, smtp_server):  # noqa: F811
    app_config.update(
        WINLAS_SMTP_HOST=smtp_server.host,
        WINLAS_SMTP_PORT=smtp_server.port,
        WINLAS_SMTP_STARTTLS=False,
    )
    return app_config


@pytest.fixture
def admin(client, create_user):
    create_user(ADMIN, role="admin")
    assert log_in(client, ADMIN).status_code == 302
    return client


def a_lead_without_account(app, email=STRANGER):
    with app.app_context():
        lead, _created = submit_inquiry(
            "quote",
            "k-" + email,
            {"email": email, "first_name": "Utan", "last_name": "Kontosson"},
            {"message": "Offert, tack"},
        )
        Subscription.create(email=email, status="confirmed", contact=lead.contact)
        return lead


def token(client, path="/dataskydd/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def post(client, path, **data):
    return client.post(path, data={"csrf_token": token(client), **data})


# access control ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client):
    for path in TOOL + LOG:
        response = client.get(path)
        assert response.status_code == 302 and "/logga-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["customer", "marketer", "staff"])
def test_only_admins_use_the_tool(client, create_user, role):
    create_user("x@winlas.se", role=role)
    log_in(client, "x@winlas.se")
    for path in TOOL:
        assert client.get(path).status_code == 403
    csrf = csrf_from(client.get("/konto/").get_data(as_text=True))
    for path in TOOL_POSTS:
        response = client.post(path, data={"csrf_token": csrf, "email": STRANGER, "confirm": "y"})
        assert response.status_code == 403


@pytest.mark.parametrize("role,status", [("customer", 403), ("marketer", 403), ("staff", 200)])
def test_staff_read_the_audit_log(client, create_user, role, status):
    create_user("x@winlas.se", role=role)
    log_in(client, "x@winlas.se")
    for path in LOG:
        assert client.get(path).status_code == status


def test_admins_read_the_audit_log_too(admin):
    assert admin.get("/dataskydd/logg").status_code == 200


# look-up, export, erase, objection -------------------------------------------------------------


def test_looking_up_a_person_without_an_account(app, admin):
    a_lead_without_account(app)
    response = post(admin, "/dataskydd/", email=f"  {STRANGER.upper()} ")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Adressen har inget konto." in html
    assert STRANGER in html
    with app.app_context():
        entry = AuditEntry.select().where(AuditEntry.action == "lookup").get()
        assert entry.subject_digest == subject_digest(STRANGER)
        assert entry.actor_role == "admin" and entry.actor_id == User.by_email(ADMIN).id


def test_the_export_is_the_same_file_as_the_persons_own(app, admin):
    seed_person(app)
    response = post(admin, "/dataskydd/export", email=EMAIL)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["last_name"] == SURNAME
    assert data["leads"] and data["course_registrations"] and data["analytics"]["visits"]
    with app.app_context():
        assert AuditEntry.select().where(AuditEntry.action == "export").count() == 1


def test_erasing_a_person_without_an_account(app, admin, database, smtp_server):  # noqa: F811
    a_lead_without_account(app)
    response = post(admin, "/dataskydd/radera", email=STRANGER, confirm="y")
    assert response.status_code == 200
    assert traces(database, STRANGER, "Kontosson") == []
    assert [message["To"] for message in smtp_server.messages] == [STRANGER]
    with app.app_context():
        entry = AuditEntry.select().where(AuditEntry.action == "erase").get()
        assert entry.details_dict()["lead"] == 1 and entry.details_dict()["contact"] == 1


def test_erasing_a_person_with_an_account(app, admin, database):
    seed_person(app)
    post(admin, "/dataskydd/radera", email=EMAIL, confirm="y")
    assert traces(database, EMAIL, SURNAME) == []
    with app.app_context():
        assert User.by_email(EMAIL) is None
        assert User.by_email(ADMIN) is not None


def test_erasing_an_unknown_address_sends_no_mail(app, admin, smtp_server):  # noqa: F811
    response = post(admin, "/dataskydd/radera", email="okand@exempel.se", confirm="y")
    assert response.status_code == 200
    assert "Vi hade inget om adressen" in response.get_data(as_text=True)
    assert smtp_server.messages == []


def test_erasure_needs_the_confirmation_box(app, admin):
    a_lead_without_account(app)
    response = post(admin, "/dataskydd/radera", email=STRANGER)
    assert response.status_code == 400
    with app.app_context():
        assert Lead.select().count() == 1


def test_an_admin_cannot_erase_their_own_account_here(app, admin):
    response = post(admin, "/dataskydd/radera", email=ADMIN, confirm="y")
    assert response.status_code == 400
    with app.app_context():
        assert User.by_email(ADMIN) is not None


def test_recording_an_objection_for_a_person_without_an_account(app, admin):
    a_lead_without_account(app)
    response = post(admin, "/dataskydd/invandning", email=STRANGER, profiling="y", newsletter="y")
    assert response.status_code == 200
    assert "Invändningen är registrerad." in response.get_data(as_text=True)
    with app.app_context():
        assert Preference.objects_to_profiling(STRANGER)
        assert Subscription.by_email(STRANGER).status == "unsubscribed"
        entry = AuditEntry.select().where(AuditEntry.action == "objection").get()
        assert entry.details_dict() == {"newsletter": True, "profiling": True}
        assert Contact.by_email(STRANGER) is not None  # an objection erases nothing


def test_an_objection_to_profiling_deletes_the_profile(app, admin):
    seed_person(app)
    post(admin, "/dataskydd/invandning", email=EMAIL, profiling="y")
    with app.app_context():
        assert Preference.objects_to_profiling(EMAIL)
        assert InterestProfile.select().count() == 0
        assert Subscription.by_email(EMAIL).status == "confirmed"


def test_an_objection_needs_a_choice(admin):
    response = post(admin, "/dataskydd/invandning", email=STRANGER)
    assert response.status_code == 400
    assert "Välj minst en sak" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/dataskydd/", "/dataskydd/export", "/dataskydd/radera", "/dataskydd/invandning"]
)
@pytest.mark.parametrize(
    "email", ["", "inte-en-adress", "a@b.se\r\nBcc: x@evil.example", "a\x00@b.se", "a" * 300]
)
def test_bad_addresses_are_refused(admin, path, email):
    response = post(admin, path, email=email, confirm="y", profiling="y")
    assert response.status_code == 400


def test_a_missing_csrf_token_is_refused(admin):
    assert (
        admin.post("/dataskydd/radera", data={"email": STRANGER, "confirm": "y"}).status_code == 400
    )


# the audit log -------------------------------------------------------------------------------


def test_the_log_names_who_what_when_and_a_digest_for_whom(app, admin):
    a_lead_without_account(app)
    post(admin, "/dataskydd/", email=STRANGER)
    post(admin, "/dataskydd/radera", email=STRANGER, confirm="y")
    html = admin.get("/dataskydd/logg").get_data(as_text=True)
    assert ADMIN in html and "erase" in html and "lookup" in html
    assert STRANGER not in html
    with app.app_context():
        digest = subject_digest(STRANGER)
    assert digest[:12] in html


def test_the_log_exports_as_csv_with_neutralised_cells(app, admin):
    with app.app_context():
        AuditEntry.record("retention", details={"=HYPERLINK(1)": "x"})
    post(admin, "/dataskydd/", email=STRANGER)
    response = admin.get("/dataskydd/logg.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == [
        "id",
        "at",
        "actor_id",
        "actor_role",
        "actor_email",
        "action",
        "subject",
        "details",
    ]
    assert [row[5] for row in rows[1:]] == ["lookup", "retention"]
    assert rows[1][4] == ADMIN
    assert rows[2][7] == "'=HYPERLINK(1)=x"
    assert STRANGER not in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1e9", "999999999999", "١"])
def test_bad_page_numbers_are_refused(admin, page):
    assert admin.get(f"/dataskydd/logg?sida={page}").status_code == 400


def test_the_log_pages(app, admin):
    with app.app_context():
        for _n in range(55):
            AuditEntry.record("retention")
    first = admin.get("/dataskydd/logg").get_data(as_text=True)
    assert "sida=2" in first
    assert admin.get("/dataskydd/logg?sida=2").status_code == 200


def test_audit_entries_cannot_be_changed_or_deleted(app):
    with app.app_context():
        entry = AuditEntry.record("retention", details={"n": 1})
        entry.action = "erase"
        with pytest.raises(AppendOnly):
            entry.save()
        with pytest.raises(AppendOnly):
            entry.delete_instance()
        # and the database itself refuses, whatever the code does
        with pytest.raises(peewee.DatabaseError):
            with app.extensions["database"].atomic():
                AuditEntry.update(action="erase").execute()
        with pytest.raises(peewee.DatabaseError):
            with app.extensions["database"].atomic():
                AuditEntry.delete().execute()
        assert AuditEntry.get_by_id(entry.id).action == "retention"
