"""Calendar files (.ics) on the course emails, and attachments in the outbox: through a real
SMTP server, into the development outbox's .eml files, and across a retry."""

from __future__ import annotations

import datetime
import email
import email.policy
from pathlib import Path

import icalendar
import pytest

from tests.conftest import csrf_from
from tests.integration.test_course_signup import add_course, cancel_link, signup_path, submit
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.courses.models import Registration
from winlas_site.mail import OutboxMessage, queue_email, retry_due
from winlas_site.mail.models import RETRYING, SENT

ICS = (
    "hej.ics",
    "text/calendar; method=PUBLISH; charset=utf-8",
    b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
)


def calendar_parts(message) -> list:
    return [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]


def ics_of(message) -> icalendar.Calendar:
    [part] = calendar_parts(message)
    assert part.get_filename() == "kurs.ics"
    assert part.get_param("method") == "PUBLISH" or part.get_param("method") == "CANCEL"
    return icalendar.Calendar.from_ical(part.get_content())


def test_the_confirmation_carries_the_session_as_an_ics(smtp_server, app, client):  # noqa: F811
    course = add_course(app, sessions=((20, 5),))
    session = course[1][0]
    submit(client, signup_path(course))
    [mail] = smtp_server.messages
    assert mail.get_content_type() == "multipart/mixed"
    # the text and HTML bodies are still there, as alternatives
    assert "Tack för din anmälan" in mail.get_body(("plain",)).get_content()
    assert mail.get_body(("html",)) is not None
    calendar = ics_of(mail)
    assert calendar["METHOD"] == "PUBLISH" and calendar["VERSION"] == "2.0"
    assert "WinLas" in str(calendar["PRODID"])
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Stockholm"
    [event] = calendar.walk("VEVENT")
    [registration] = Registration.select()
    assert event["UID"] == f"registration-{registration.id}-{session.id}@127.0.0.1"
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert str(start.tzinfo) == "Europe/Stockholm"
    assert start.replace(tzinfo=None) == session.starts_at
    assert end.replace(tzinfo=None) == session.ends_at
    assert event["SUMMARY"] == "Kursen grundkurs"
    assert event["LOCATION"] == "Stockholm, WinLas kontor"
    assert "DTSTAMP" in event
    description = str(event["DESCRIPTION"])
    assert cancel_link(mail) in description
    assert "/utbildningar/grundkurs" in description


def test_an_english_participant_gets_the_english_title(smtp_server, app, client):  # noqa: F811
    course = add_course(app)
    client.get("/sprak/en")
    submit(client, signup_path(course))
    [event] = ics_of(smtp_server.messages[0]).walk("VEVENT")
    assert event["SUMMARY"] == "The course grundkurs"


def test_the_waitlist_gets_no_calendar_entry_and_a_cancellation_removes_it(
    smtp_server,  # noqa: F811
    app,
    client,
):
    course = add_course(app, sessions=((20, 1),))
    submit(client, signup_path(course))
    submit(client, signup_path(course), email="vantar@exempel.se")
    first, waiting = smtp_server.messages
    assert calendar_parts(first) and not calendar_parts(waiting)
    link = cancel_link(first)
    page = client.get(link)
    client.post(link, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    cancelled = [m for m in smtp_server.messages[2:] if m["To"] == "anna.berg@exempel.se"]
    promoted = [m for m in smtp_server.messages[2:] if m["To"] == "vantar@exempel.se"]
    original_uid = ics_of(first).walk("VEVENT")[0]["UID"]
    cancel = ics_of(cancelled[0])
    assert cancel["METHOD"] == "CANCEL"
    assert cancel.walk("VEVENT")[0]["UID"] == original_uid
    assert cancel.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert ics_of(promoted[0])["METHOD"] == "PUBLISH"


def test_an_online_session_says_so_in_the_location(smtp_server, app, client):  # noqa: F811
    course = add_course(app)
    course[1][0].online = True
    course[1][0].place_sv = ""
    course[1][0].save()
    submit(client, signup_path(course))
    [event] = ics_of(smtp_server.messages[0]).walk("VEVENT")
    assert event["LOCATION"] == "Online"


def test_the_attachment_is_in_the_outbox_eml_file(app):
    course = add_course(app)
    client = app.test_client()
    submit(client, signup_path(course))
    [path] = list(Path(app.instance_path, "outbox").glob("*.eml"))
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    [part] = calendar_parts(parsed)
    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert calendar.walk("VEVENT")[0]["SUMMARY"] == "Kursen grundkurs"


def test_an_attachment_survives_a_retry(smtp_server, app):  # noqa: F811
    smtp_server.stop()
    with app.app_context():
        message = queue_email(
            "anna@exempel.se",
            "test_message",
            {"name": "WinLas", "message": "x"},
            kind="administrative",
            attachments=[ICS],
        )
        assert OutboxMessage.get_by_id(message.id).status == RETRYING
        smtp_server.start()
        OutboxMessage.update(next_attempt_at=datetime.datetime(2000, 1, 1)).execute()
        retry_due()
        assert OutboxMessage.get_by_id(message.id).status == SENT
    [mail] = smtp_server.messages
    [part] = list(mail.iter_attachments())
    assert part.get_filename() == "hej.ics"
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "PUBLISH"
    assert part.get_content().replace("\r\n", "\n") == ICS[2].decode().replace("\r\n", "\n")


@pytest.mark.parametrize(
    "attachment",
    [
        ("../etc/passwd", "text/plain", b"x"),
        ("mapp/kurs.ics", "text/calendar", b"x"),
        ("kurs\r\n.ics", "text/calendar", b"x"),
        (".dold", "text/plain", b"x"),
        ("k" * 101, "text/plain", b"x"),
        ("", "text/plain", b"x"),
        ("kurs.ics", "text/calendar\r\nBcc: x@y.se", b"x"),
        ("kurs.ics", "kalender", b"x"),
        ("kurs.ics", "text/calendar", "not bytes"),
        ("kurs.ics", "text/calendar", b"x" * 2_000_001),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_stored(app, attachment):
    with app.app_context():
        with pytest.raises(ValueError):
            queue_email(
                "anna@exempel.se",
                "test_message",
                {"name": "WinLas", "message": "x"},
                kind="administrative",
                attachments=[attachment],
            )
        assert OutboxMessage.select().count() == 0


def test_a_message_without_attachments_stays_a_plain_alternative(smtp_server, app):  # noqa: F811
    with app.app_context():
        queue_email(
            "anna@exempel.se",
            "test_message",
            {"name": "WinLas", "message": "x"},
            kind="administrative",
        )
    [mail] = smtp_server.messages
    assert mail.get_content_type() == "multipart/alternative"
    assert list(mail.iter_attachments()) == []
