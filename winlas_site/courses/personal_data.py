"""The courses' part of a person's data rights (P12, P14): course sign-ups and their seminar
choices."""

from __future__ import annotations

from ..clock import local_now
from ..rights import Counts, Person, Provider, Section, plain, row
from .models import Registration, RegistrationSeminar
from .signup import send_email

FIELDS = (
    "status",
    "dietary_choices",
    "dietary_other",
    "language",
    "created_at",
    "cancelled_at",
    "conversion_id",
    "touches",
)


def _registrations(person: Person) -> list[Registration]:
    if person.user is not None:
        return list(Registration.for_user(person.user))
    return list(Registration.for_email(person.address))


def export(person: Person) -> Section:
    registrations = _registrations(person)
    seminars = RegistrationSeminar.slot_ids_by_registration(registrations)
    return {
        "course_registrations": [
            {
                "course": registration.course_session.course.title_sv,
                "starts_at": plain(registration.course_session.starts_at),
                **row(registration, FIELDS),
                "seminar_slot_ids": seminars.get(registration.id, []),
            }
            for registration in registrations
        ]
    }


def cancel_upcoming(person: Person) -> None:
    """Give up places in sessions still to come, so the waitlist moves up before the erasure
    (outside its transaction: the promoted are told by email)."""
    moment = local_now()
    for registration in _registrations(person):
        if registration.is_active and registration.course_session.starts_at > moment:
            for other in registration.cancel() or []:
                send_email(other, "promoted")


def erase(person: Person) -> Counts:
    """The person's sign-ups with their seminar choices; sign-ups of the person's contact made
    by someone else's account go too, they name the person (the foreign keys cascade, said
    explicitly for clarity); sign-ups the account made for others stay, unlinked."""
    counts = {}
    registration_ids = [registration.id for registration in _registrations(person)]
    if registration_ids:
        RegistrationSeminar.delete().where(
            RegistrationSeminar.registration.in_(registration_ids)
        ).execute()
        counts["registration"] = (
            Registration.delete().where(Registration.id.in_(registration_ids)).execute()
        )
    if person.contact is not None:
        Registration.delete().where(Registration.contact == person.contact).execute()
    if person.user is not None:
        Registration.update(user=None).where(Registration.user == person.user).execute()
    return counts


def mail_keys(person: Person) -> list[str]:
    keys = []
    for registration in _registrations(person):
        keys += [f"registration:{registration.id}", f"registration-reminder:{registration.id}"]
    return keys


PROVIDER = Provider(
    feature="courses",
    sections={
        "registration": "course_registrations",
        "registration_seminar": "course_registrations",
    },
    export=export,
    erase=erase,
    order=40,
    prepare=cancel_upcoming,
    mail_keys=mail_keys,
)
