"""Signed cancellation links and the emails about a sign-up."""

from __future__ import annotations

import datetime
import logging

from flask import current_app

from .. import clock, signing
from ..clock import local_now
from ..links import external_url
from ..mail import queue_email
from ..mail.models import OutboxMessage
from . import calendar
from .models import Registration, waitlist_rank

log = logging.getLogger("winlas.courses")

CANCEL_SALT = signing.COURSE_CANCEL.salt


class InvalidLink(Exception):
    """A cancellation link that was altered, mangled or belongs to nothing."""


class ExpiredLink(InvalidLink):
    """A genuine cancellation link whose session has already started."""


def _stamp(registration: Registration) -> str:
    # ties the link to this row: an id reused after an erasure does not reopen an old link
    return registration.created_at.strftime("%Y%m%d%H%M%S%f")


def cancel_token(registration: Registration) -> str:
    """The signed token of a registration's cancellation link."""
    return signing.sign(signing.COURSE_CANCEL, [registration.id, _stamp(registration)])


def cancel_url(registration: Registration) -> str:
    """The absolute cancellation link, on the configured site address (never the Host); built
    without a request, so the reminder task can send it too."""
    return external_url("courses.cancel", token=cancel_token(registration))


def registration_from_token(token: str) -> Registration:
    """The registration a cancellation token names; ``InvalidLink``/``ExpiredLink`` else."""
    # a link past its signature's age (signing.COURSE_CANCEL) is simply invalid: its session
    # started long ago
    found = signing.unsign(signing.COURSE_CANCEL, token, signing.id_and_stamp)
    if found is None:
        raise InvalidLink()
    registration_id, stamp = found
    registration = Registration.get_or_none(Registration.id == registration_id)
    if registration is None or _stamp(registration) != stamp:
        raise InvalidLink()
    if registration.course_session.starts_at <= local_now():
        raise ExpiredLink()
    return registration


# the emails a sign-up gets: template name under templates/mail/courses/ ("reminder": someone
# signed the address up again; "upcoming": the programme before the start; "message": what
# staff wrote to the participants)
EMAILS = ("confirmation", "waitlisted", "promoted", "cancelled", "reminder", "upcoming", "message")
# the emails that put the session in the participant's calendar (only a confirmed place does)
WITH_CALENDAR = ("confirmation", "promoted", "upcoming", "message")


REMINDER_INTERVAL = datetime.timedelta(hours=24)


def remind(registration: Registration) -> None:
    """Tell the owner of the address that someone signed it up again, at most once a day:
    the form answers repeated attempts the same way, so only this mail could flood a mailbox."""
    since = clock.now() - REMINDER_INTERVAL
    related = f"registration-reminder:{registration.id}"
    if OutboxMessage.for_related(related).where(OutboxMessage.created_at >= since).exists():
        return
    send_email(registration, "reminder", related=related)


def send_email(
    registration: Registration,
    name: str,
    related: str = "",
    extra: dict | None = None,
    language: str | None = None,
) -> bool:
    """Queue one administrative email about ``registration`` (P21: opt-outs never stop it),
    with the session's calendar entry when the place is confirmed (and one that removes it
    with a cancellation). ``extra``: more template values; ``language``: other than the
    sign-up's. True when queued.

    The sign-up is already committed: a mail problem is logged and never undoes it.
    """
    assert name in EMAILS, name
    session = registration.course_session
    course = session.course
    site_url = current_app.config["WINLAS_SITE_URL"].rstrip("/")
    context = {
        "site_url": site_url,
        "first_name": registration.contact.first_name,
        "course": course,
        "session": session,
        "registration": registration,
        "seminars": registration.seminar_slots(),
        "course_url": external_url("courses.detail", slug=course.slug),
        "cancel_url": cancel_url(registration) if registration.is_active else "",
        # the place in the queue is told here, to the address's owner, never on the web page
        "rank": waitlist_rank(registration),
        "price": session.price,
        **(extra or {}),
    }
    try:
        attachments = []
        if name in WITH_CALENDAR and registration.status == "confirmed":
            attachments.append(
                calendar.attachment(registration, context["course_url"], context["cancel_url"])
            )
        elif name == "cancelled":
            attachments.append(
                calendar.attachment(registration, context["course_url"], "", method="CANCEL")
            )
        queue_email(
            registration.contact.email,
            f"courses/{name}",
            context,
            kind="administrative",
            language=language or registration.language,
            related=related or f"registration:{registration.id}",
            attachments=attachments,
        )
    except Exception:
        log.exception("email %s for registration %s not queued", name, registration.id)
        return False
    return True
