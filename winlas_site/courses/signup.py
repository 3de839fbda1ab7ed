"""Signed cancellation links and the emails about a sign-up."""

from __future__ import annotations

import datetime
import logging

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .models import Registration, local_now, waitlist_rank

log = logging.getLogger("winlas.courses")

CANCEL_SALT = "course-cancel"
# a link is refused after its session has started; this only bounds a forgotten one further
CANCEL_MAX_AGE = 2 * 366 * 24 * 3600
MAX_TOKEN_LENGTH = 300


class InvalidLink(Exception):
    """A cancellation link that was altered, mangled or belongs to nothing."""


class ExpiredLink(InvalidLink):
    """A genuine cancellation link whose session has already started."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=CANCEL_SALT)


def _stamp(registration: Registration) -> str:
    # ties the link to this row: an id reused after an erasure does not reopen an old link
    return registration.created_at.strftime("%Y%m%d%H%M%S%f")


def cancel_token(registration: Registration) -> str:
    """The signed token of a registration's cancellation link."""
    return _serializer().dumps([registration.id, _stamp(registration)])


def cancel_url(registration: Registration) -> str:
    """The absolute cancellation link, on the configured site address (never the Host)."""
    path = url_for("courses.cancel", token=cancel_token(registration))
    return current_app.config["WINLAS_SITE_URL"].rstrip("/") + path


def registration_from_token(token: str) -> Registration:
    """The registration a cancellation token names; ``InvalidLink``/``ExpiredLink`` else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink()
    try:
        payload = _serializer().loads(token, max_age=CANCEL_MAX_AGE)
    except BadSignature as exc:  # SignatureExpired is a BadSignature too
        raise InvalidLink() from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or isinstance(payload[0], bool)
        or not 0 < payload[0] < 2**31
    ):
        raise InvalidLink()
    registration = Registration.get_or_none(Registration.id == payload[0])
    if registration is None or _stamp(registration) != payload[1]:
        raise InvalidLink()
    if registration.course_session.starts_at <= local_now():
        raise ExpiredLink()
    return registration


# the emails a sign-up gets: template name under templates/mail/courses/
EMAILS = ("confirmation", "waitlisted", "promoted", "cancelled", "reminder")


REMINDER_INTERVAL = datetime.timedelta(hours=24)


def remind(registration: Registration) -> None:
    """Tell the owner of the address that someone signed it up again, at most once a day:
    the form answers repeated attempts the same way, so only this mail could flood a mailbox."""
    from ..mail.models import OutboxMessage

    since = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - REMINDER_INTERVAL
    related = f"registration-reminder:{registration.id}"
    if OutboxMessage.for_related(related).where(OutboxMessage.created_at >= since).exists():
        return
    send_email(registration, "reminder", related=related)


def send_email(registration: Registration, name: str, related: str = "") -> None:
    """Queue one administrative email about ``registration`` (P21: opt-outs never stop it).

    The sign-up is already committed: a mail problem is logged and never undoes it.
    """
    from ..mail import queue_email

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
        "course_url": site_url + url_for("courses.detail", slug=course.slug),
        "cancel_url": cancel_url(registration) if registration.is_active else "",
        # the place in the queue is told here, to the address's owner, never on the web page
        "rank": waitlist_rank(registration),
    }
    try:
        queue_email(
            registration.contact.email,
            f"courses/{name}",
            context,
            kind="administrative",
            language=registration.language,
            related=related or f"registration:{registration.id}",
        )
    except Exception:
        log.exception("email %s for registration %s not queued", name, registration.id)
