"""What the course team does to sessions and sign-ups, with its emails and its log line.

The views in ``routes.py`` stay thin: each staff action is one function here, which changes
the data (through the models' locked transactions), then queues the emails, then logs who did
what (``winlas.courses``: user id, action, ids; never names or addresses).
"""

from __future__ import annotations

import logging

from .models import CourseSession, Participant, Registration, SeminarSlot
from .signup import send_email

log = logging.getLogger("winlas.courses")


def record(user_id: int, action: str, **ids: int | None) -> None:
    """One log line per staff action."""
    details = " ".join(f"{name}={value}" for name, value in ids.items())
    log.info("course admin user=%s action=%s %s", user_id, action, details)


def tell_promoted(promoted: list[Registration]) -> None:
    for registration in promoted:
        send_email(registration, "promoted")


def create_session(user_id: int, course_id: int, values: dict) -> CourseSession:
    session = CourseSession.create(course=course_id, **values)
    record(user_id, "session_create", course=course_id, session=session.id)
    return session


def change_session(user_id: int, session: CourseSession, values: dict) -> list[Registration]:
    """Save new details; ``CapacityTooLow`` when below the confirmed sign-ups."""
    promoted = session.change(**values)
    tell_promoted(promoted)
    record(user_id, "session_edit", session=session.id, promoted=len(promoted))
    return promoted


def set_signup_open(user_id: int, session: CourseSession, is_open: bool) -> None:
    session.change(signup_open=is_open)
    record(user_id, "session_open" if is_open else "session_close", session=session.id)


def save_slot(user_id: int, session: CourseSession, values: dict, slot: SeminarSlot | None):
    if slot is None:
        slot = SeminarSlot.create(course_session=session, **values)
        record(user_id, "slot_create", session=session.id, slot=slot.id)
    else:
        for name, value in values.items():
            setattr(slot, name, value)
        slot.save()
        record(user_id, "slot_edit", session=session.id, slot=slot.id)
    return slot


def delete_slot(user_id: int, slot: SeminarSlot) -> bool:
    """Remove a seminar slot nobody active has chosen; False (nothing done) otherwise."""
    taken = SeminarSlot.taken_counts(slot.course_session).get(slot.id, 0)
    if taken:
        return False
    session_id = slot.course_session_id
    slot.delete_instance(recursive=True)
    record(user_id, "slot_delete", session=session_id, slot=slot.id)
    return True


def add_participant(
    user_id: int,
    session: CourseSession,
    participant: Participant,
    *,
    dietary_choices: list[str],
    dietary_other: str,
    language: str,
) -> Registration:
    """A sign-up taken by phone: capacity and waitlist as for the form (``sign_up``), the
    usual confirmation or waitlist email to the participant. Refusals as ``sign_up``'s."""
    registration = Registration.sign_up(
        session,
        participant,
        dietary_choices=dietary_choices,
        dietary_other=dietary_other,
        language=language,
        by_staff=True,
    )
    send_email(registration, "confirmation" if registration.status == "confirmed" else "waitlisted")
    record(
        user_id,
        "participant_add",
        session=session.id,
        registration=registration.id,
    )
    return registration


def cancel(user_id: int, registration: Registration) -> bool:
    """Cancel as the participant's link does: the place goes to the waitlist, emails as
    there. False when it was cancelled already."""
    promoted = registration.cancel()
    if promoted is None:
        return False
    send_email(registration, "cancelled")
    tell_promoted(promoted)
    record(
        user_id,
        "participant_cancel",
        session=registration.course_session_id,
        registration=registration.id,
        promoted=len(promoted),
    )
    return True


def move(user_id: int, registration: Registration, target: CourseSession) -> Registration:
    """Move to another session of the course; the mover gets the confirmation (or waitlist)
    email of the new session, the promoted here theirs. Refusals as ``move_to``'s."""
    moved, promoted = registration.move_to(target)
    send_email(moved, "confirmation" if moved.status == "confirmed" else "waitlisted")
    tell_promoted(promoted)
    record(
        user_id,
        "participant_move",
        session=registration.course_session_id,
        registration=registration.id,
        to_session=target.id,
        to_registration=moved.id,
    )
    return moved


def promote(user_id: int, registration: Registration, extra_place: bool) -> None:
    """Give this waitlisted person a place (``Registration.promote``) and tell them."""
    registration.promote(extra_place)
    send_email(registration, "promoted")
    record(
        user_id,
        "participant_promote",
        session=registration.course_session_id,
        registration=registration.id,
        extra_place=int(extra_place),
    )


def email_participants(user_id: int, session: CourseSession, form) -> int:
    """Queue the staff's message to each recipient, in the language of the sign-up (Swedish
    when no English text was written); return how many were queued."""
    statuses = (
        ("confirmed",) if form.recipients.data == "confirmed" else ("confirmed", "waitlisted")
    )
    sent = 0
    for registration in session.registrations_with(*statuses).order_by(Registration.id):
        subject, body, language = form.text_in(registration.language)
        queued = send_email(
            registration,
            "message",
            extra={"message_subject": subject, "message_body": body},
            language=language,
        )
        sent += queued
    record(user_id, "email_participants", session=session.id, recipients=sent)
    return sent
