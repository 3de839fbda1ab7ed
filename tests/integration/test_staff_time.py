"""Every time staff read is Swedish local time (issue 17): stored naive UTC, shown in
Europe/Stockholm, summer (UTC+2) and winter (UTC+1), on the CRM, the course participant lists
and the data-protection pages."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from tests.conftest import csrf_from, log_in
from winlas_site.account.models import AuditEntry
from winlas_site.auth.models import User
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.leads.models import Contact, submit_inquiry

ADMIN = "admin.tid@winlas.se"
PERSON = "tora.tidig@exempelkommun.se"

# (stored UTC, what staff read): 10:00 UTC is 12:00 in a Swedish July and 11:00 in January
MOMENTS = [
    pytest.param(datetime.datetime(2026, 7, 1, 10, 0), "2026-07-01 12:00", id="summer"),
    pytest.param(datetime.datetime(2026, 1, 15, 10, 0), "2026-01-15 11:00", id="winter"),
]


@pytest.fixture
def admin(app, client, create_user):
    user = create_user(ADMIN, role="admin")
    return user


def at(moment: datetime.datetime):
    """The site's clock stopped at ``moment`` (naive UTC)."""
    return time_machine.travel(moment.replace(tzinfo=datetime.UTC), tick=False)


def seed(app, moment: datetime.datetime) -> dict:
    """A lead, a course sign-up and an audit entry, all made at ``moment``."""
    with app.app_context(), at(moment):
        lead, _created = submit_inquiry(
            "question",
            f"time-{moment:%Y%m%d}",
            {
                "email": PERSON,
                "first_name": "Tora",
                "last_name": "Tidig",
                "organisation_name": "Exempelkommun",
            },
            {"message": "När är det?"},
        )
        course = Course.create(slug="tidskurs", title_sv="Tidskurs", summary_sv="s", body_sv="b")
        session = CourseSession.create(
            course=course,
            starts_at=datetime.datetime(2027, 3, 1, 9, 0),
            ends_at=datetime.datetime(2027, 3, 1, 16, 0),
            place_sv="Malmö",
        )
        Registration.create(course_session=session, contact=Contact.get(Contact.email == PERSON))
        AuditEntry.record("export", email=PERSON)
    return {"lead": lead.id}


def shows(html: str, local: str, moment: datetime.datetime) -> bool:
    """The page shows the Swedish time and not the stored UTC one."""
    return local in html and moment.strftime("%Y-%m-%d %H:%M") not in html


@pytest.mark.parametrize(("moment", "local"), MOMENTS)
def test_the_crm_list_and_lead_page_show_swedish_time(app, client, admin, moment, local):
    ids = seed(app, moment)
    log_in(client, ADMIN)
    assert shows(client.get("/crm/").get_data(as_text=True), local, moment)
    assert shows(client.get(f"/crm/leads/{ids['lead']}").get_data(as_text=True), local, moment)


@pytest.mark.parametrize(("moment", "local"), MOMENTS)
def test_the_participant_list_shows_swedish_time(app, client, admin, moment, local):
    seed(app, moment)
    log_in(client, ADMIN)
    html = client.get("/utbildningar/tidskurs/deltagare").get_data(as_text=True)
    assert shows(html, local, moment)


@pytest.mark.parametrize(("moment", "local"), MOMENTS)
def test_the_audit_log_and_a_persons_history_show_swedish_time(app, client, admin, moment, local):
    seed(app, moment)
    log_in(client, ADMIN)
    log = client.get("/dataskydd/logg").get_data(as_text=True)
    assert shows(log, local, moment)
    assert "UTC" not in log
    token = csrf_from(client.get("/dataskydd/").get_data(as_text=True))
    found = client.post("/dataskydd/", data={"csrf_token": token, "email": PERSON})
    history = found.get_data(as_text=True).split("Tidigare åtgärder för adressen", 1)[1]
    assert shows(history, local, moment)


@pytest.mark.parametrize(("moment", "local"), MOMENTS)
def test_account_requests_show_swedish_time(app, client, admin, create_user, moment, local):
    with at(moment):
        user = create_user("sokande@exempelkommun.se")
    with app.app_context():
        User.update(requested_organisation="Exempelkommun").where(User.id == user.id).execute()
    log_in(client, ADMIN)
    html = client.get("/konton/ansokningar").get_data(as_text=True)
    assert "sokande@exempelkommun.se" in html
    assert shows(html, local, moment) and "UTC" not in html
