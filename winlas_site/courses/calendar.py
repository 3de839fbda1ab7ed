"""The calendar entry (.ics, RFC 5545) of a sign-up, attached to the emails about it."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import icalendar
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..clock import SWEDISH_TIME, now
from ..links import with_language
from .models import Registration

# session times are stored as naive Swedish local time (clock.local_now)
PRODID = "-//WinLas//Kurser//SV"
CONTENT_TYPE = {
    "PUBLISH": "text/calendar; method=PUBLISH; charset=utf-8",
    "CANCEL": "text/calendar; method=CANCEL; charset=utf-8",
}
FILENAME = "kurs.ics"
# SEQUENCE counts minutes from here: every later email carries a higher one, so a calendar
# takes a changed time or a cancellation over the entry it already has (RFC 5546)
SEQUENCE_EPOCH = datetime.datetime(2024, 1, 1)


def uid(registration: Registration) -> str:
    """One UID per sign-up and session: every email about it updates the same calendar entry
    (a move makes a new sign-up, so a new entry, and the cancel removes the old one)."""
    host = urlsplit(current_app.config["WINLAS_SITE_URL"]).hostname or "localhost"
    return f"registration-{registration.id}-{registration.course_session_id}@{host}"


def _local(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(tzinfo=SWEDISH_TIME)


def session_ics(
    registration: Registration, course_url: str, cancel_url: str, method: str = "PUBLISH"
) -> bytes:
    """The VCALENDAR of the sign-up's session in the participant's language: times in
    Europe/Stockholm with its VTIMEZONE, the course page and the cancellation link in the
    description. ``method="CANCEL"`` takes the entry out of the calendar again."""
    session = registration.course_session
    course = session.course
    with force_locale(registration.language):
        title = course.t("title")
        location = session.t("place") or ""
        if session.online:
            location = f"{location} ({_('Online')})" if location else _("Online")
        lines = [_("Kurssida: %(url)s", url=course_url)]
        if cancel_url and method == "PUBLISH":
            lines.append(_("Avboka: %(url)s", url=cancel_url))
    # the links open in the participant's language, as those in the email do
    description = with_language("\n".join(lines), registration.language, html=False)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", uid(registration))
    event.add("dtstamp", now().replace(tzinfo=datetime.UTC))
    event.add("dtstart", _local(session.starts_at))
    event.add("dtend", _local(session.ends_at))
    event.add("summary", title)
    event.add("location", location)
    event.add("description", description)
    event.add("url", course_url)
    event.add("sequence", int((now() - SEQUENCE_EPOCH).total_seconds() // 60))
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=session.starts_at.date() - datetime.timedelta(days=1),
        last_date=session.ends_at.date() + datetime.timedelta(days=1),
    )
    return calendar.to_ical()


def attachment(
    registration: Registration, course_url: str, cancel_url: str, method: str = "PUBLISH"
) -> tuple[str, str, bytes]:
    """The .ics as an outbox attachment."""
    return (
        FILENAME,
        CONTENT_TYPE[method],
        session_ics(registration, course_url, cancel_url, method),
    )
