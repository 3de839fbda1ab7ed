"""Course administration in a real browser: staff create a session, visitors sign up, a place
is given back, the waitlist moves up, and staff write to everyone, whose email arrives at a
real SMTP server with the session as an .ics calendar file."""

from __future__ import annotations

import datetime
import re
import time
import uuid

import icalendar
import pytest

from tests.e2e.conftest import log_in, open_page
from tests.e2e.test_course_signup import serious_violations
from tests.mailserver import LoopbackSMTPServer
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.leads.models import Contact

pytestmark = pytest.mark.e2e

STAFF = "support@winlas.se"


@pytest.fixture
def mail_to_smtp(live_app):
    """The shared live app sends its mail to a real SMTP server on loopback for this test
    (the settings are read at every delivery), and to its outbox folder again afterwards."""
    server = LoopbackSMTPServer()
    server.start()
    names = (
        "WINLAS_SMTP_HOST",
        "WINLAS_SMTP_PORT",
        "WINLAS_SMTP_STARTTLS",
        "WINLAS_SMTP_TIMEOUT",
        "WINLAS_MIN_FILL_SECONDS",
    )
    before = {name: live_app.config[name] for name in names}
    live_app.config.update(
        WINLAS_SMTP_HOST=server.host,
        WINLAS_SMTP_PORT=server.port,
        WINLAS_SMTP_STARTTLS=False,
        WINLAS_SMTP_TIMEOUT=5,
    )
    yield server
    live_app.config.update(before)
    server.stop()


def sign_up_as(browser, live_server, url: str, first: str, last: str, address: str) -> None:
    page = open_page(browser, live_server)
    page.goto(url)
    page.get_by_role("button", name="Avvisa alla").click()
    page.get_by_label("Förnamn").fill(first)
    page.get_by_label("Efternamn").fill(last)
    page.get_by_label("Organisation").fill("Exempelkommun")
    page.get_by_label("E-postadress").fill(address)
    page.get_by_label("Vegetarisk").check()
    page.get_by_label(re.compile("^Jag har läst hur WinLas")).check()
    time.sleep(3.1)  # the form refuses what is sent faster than a person types
    page.get_by_role("button", name="Skicka anmälan").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Tack för din anmälan"
    page.context.close()


def status_of(live_app, session_id: int, address: str) -> str:
    with live_app.app_context():
        return (
            Registration.select()
            .join(Contact)
            .where((Registration.course_session == session_id) & (Contact.email == address))
            .order_by(Registration.id.desc())
            .get()
            .status
        )


def test_staff_run_a_session_from_creation_to_an_email_with_a_calendar_file(
    browser, live_server, live_app, mail_to_smtp
):
    tag = uuid.uuid4().hex[:8]
    place = f"Malmö, sal {tag}"
    # a course of its own (the demo courses are shared with the other browser tests), its
    # session far enough ahead to come after theirs in every list
    slug = f"e2e-kursadmin-{tag}"
    title = f"Kursadministration i praktiken {tag}"
    with live_app.app_context():
        Course.create(
            slug=slug,
            title_sv=title,
            title_en=f"Course administration in practice {tag}",
            summary_sv="En dag för e2e-testet.",
            body_sv="Text.",
        )
    start = (datetime.datetime.now() + datetime.timedelta(days=300)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    staff = open_page(browser, live_server)
    log_in(staff, STAFF)
    staff.goto("/personal/utbildningar")
    staff.get_by_role("link", name=re.compile("^Nytt tillfälle")).first.wait_for()
    staff.goto(f"/personal/utbildningar/{slug}/nytt-tillfalle")
    staff.get_by_label("Börjar").fill(start.strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("Slutar").fill(start.replace(hour=15).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("Plats (svenska)").fill(place)
    staff.get_by_label("Antal platser").fill("2")
    staff.get_by_role("button", name="Spara").click()
    staff.wait_for_url(re.compile(r"/personal/utbildningar/tillfallen/\d+$"))
    session_id = int(staff.url.rsplit("/", 1)[1])
    assert "Tillfället är skapat." in staff.content()
    assert serious_violations(staff) == []
    with live_app.app_context():
        course_session = CourseSession.get_by_id(session_id)
    assert course_session.capacity == 2 and course_session.place_sv == place
    assert course_session.starts_at == start

    signup = f"/utbildningar/{slug}/anmalan/{session_id}"
    people = [
        ("Eva", f"Ett{tag}", f"e2e-ett-{tag}@exempel.se"),
        ("Eva", f"Tva{tag}", f"e2e-tva-{tag}@exempel.se"),
        ("Eva", f"Tre{tag}", f"e2e-tre-{tag}@exempel.se"),
    ]
    for first, last, address in people:
        sign_up_as(browser, live_server, signup, first, last, address)
    statuses = [status_of(live_app, session_id, address) for _f, _l, address in people]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]

    # staff give the first place back; the waiting person moves up at once
    staff.reload()
    staff.get_by_role("button", name=f"Avboka Eva Ett{tag}").click()
    staff.wait_for_load_state()
    assert "Anmälan är avbokad." in staff.content()
    assert status_of(live_app, session_id, people[0][2]) == "cancelled"
    assert status_of(live_app, session_id, people[2][2]) == "confirmed"

    # and write to everyone who has a place
    mail_to_smtp.messages.clear()
    staff.get_by_role("link", name="Mejla deltagarna").click()
    staff.get_by_label("Ämne (svenska)").fill(f"Programmet {tag}")
    staff.get_by_label("Meddelande (svenska)").fill("Vi börjar med kaffe kl. 9.15.")
    staff.get_by_role("button", name="Skicka").click()
    staff.wait_for_url(re.compile(rf"/personal/utbildningar/tillfallen/{session_id}$"))
    assert "Meddelandet skickas till 2 deltagare." in staff.content()
    staff.context.close()

    messages = mail_to_smtp.wait_for(2)
    wanted = {people[1][2], people[2][2]}
    mine = [m for m in messages if m["Subject"] == f"Programmet {tag}"]
    assert {m["To"] for m in mine} == wanted and len(mine) == 2
    with live_app.app_context():
        registrations = {
            address: Registration.select()
            .join(Contact)
            .where((Registration.course_session == session_id) & (Contact.email == address))
            .get()
            for address in wanted
        }
    for message in mine:
        [part] = [p for p in message.iter_attachments() if p.get_filename() == "kurs.ics"]
        assert part.get_content_type() == "text/calendar"
        calendar = icalendar.Calendar.from_ical(part.get_content())
        [event] = calendar.walk("VEVENT")
        assert event["DTSTART"].dt.replace(tzinfo=None) == start
        assert str(event["DTSTART"].dt.tzinfo) == "Europe/Stockholm"
        assert event["SUMMARY"] == title
        registration = registrations[message["To"]]
        assert event["UID"].startswith(f"registration-{registration.id}-{session_id}@")
        assert "Vi börjar med kaffe" in message.get_body(("plain",)).get_content()
