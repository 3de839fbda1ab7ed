"""Everything the site holds about one person: found by address (and account), exported as one
JSON document (P12), or erased everywhere (P14).

Used by "Mitt konto" (the person themself), the DSAR tool (the data-protection officer, for
people with or without an account) and the retention job (two years without activity).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import peewee
from flask import current_app

from .. import inventory
from ..auth.models import User, UserSession, now
from ..consent.models import ConsentRecord
from ..courses.models import CourseSession, Registration, RegistrationSeminar, local_now
from ..db import checkpoint, database
from ..leads.models import Contact, Lead, LeadNote, normalise_address
from ..mail.models import FAILED, SENT, OutboxMessage
from ..newsletter import models as newsletter
from .models import AuditEntry, RetentionNotice

log = logging.getLogger("winlas.account")

FORMAT_VERSION = 1
PASSWORD_NOTE = "kept only as an argon2id hash, which nobody can read back"  # noqa: S105
# the outbox rows of erasure confirmations: kept only until delivered (see scrub_confirmations)
CONFIRMATION_RELATED = "erasure-confirmation"

# where each table's rows appear in the export; tests/unit/test_inventory.py checks that every
# table holding personal data has a place here, so a new model cannot be left out.
EXPORT_SECTIONS: dict[str, str] = {
    "user": "account",
    "user_session": "sessions",
    "retention_notice": "retention_notices",
    "contact": "contact",
    "lead": "leads",
    "lead_note": "leads",
    "registration": "course_registrations",
    "registration_seminar": "course_registrations",
    "subscription": "newsletter",
    "preference": "newsletter",
    "mail_event": "newsletter",
    "consent_record": "consent_records",
    "outbox_message": "emails",
    "audit_entry": "audit_log",
    "newsletter_issue": "newsletter_issues_written",
    # analytics tables come through analytics.subjects
    "visit": "analytics",
    "event": "analytics",
    "interest_profile": "interest_profile",
    "interest_score": "interest_profile",
    "profile_opt_out": "profiling_objections",
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _row(instance: peewee.Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in names}


def find_user(email: str) -> User | None:
    """The account of an address (accounts are stored lower-cased; contacts NFKC-folded)."""
    address = normalise_address(email)
    return User.get_or_none(User.email == address) or User.by_email(email)


def _registrations(address: str, user: User | None) -> list[Registration]:
    query = Registration.for_user(user) if user is not None else Registration.for_email(address)
    return list(query)


def _leads(contact: Contact | None) -> list[Lead]:
    if contact is None:
        return []
    return list(Lead.select().where(Lead.contact == contact).order_by(Lead.created_at, Lead.id))


def _outbox(address: str, related: list[str]) -> peewee.ModelSelect:
    """Emails to the address, mentioning it (staff notifications, Reply-To), or about the
    person's leads, sign-ups and subscription."""
    condition = (
        (OutboxMessage.to_address == address)
        | OutboxMessage.body_text.contains(address)
        | OutboxMessage.body_html.contains(address)
        | OutboxMessage.subject.contains(address)
        | OutboxMessage.headers.contains(address)
    )
    if related:
        condition |= OutboxMessage.related.in_(related)
    return OutboxMessage.select().where(condition).order_by(OutboxMessage.created_at)


def _related_keys(contact, leads, registrations, user) -> list[str]:
    keys = [f"lead:{lead.id}" for lead in leads]
    for registration in registrations:
        keys += [f"registration:{registration.id}", f"registration-reminder:{registration.id}"]
    subscription = newsletter.Subscription.get_or_none(
        newsletter.Subscription.email == (contact.email if contact else "")
    )
    if subscription is not None:
        keys.append(f"subscription:{subscription.id}")
    if user is not None:
        keys.append(f"user:{user.id}")
    return keys


def _analytics_data(user: User | None) -> dict:
    if user is None:
        return {}
    from analytics import subjects

    return subjects.personal_data(user.id)


def _interest_profile(user: User | None) -> list[dict]:
    if user is None:
        return []
    from analytics import subjects

    return subjects.profile_for_user(user.id)


def _opt_outs(analytics_data: dict, visitor_ids: tuple[str, ...]) -> list[dict]:
    """Objections to profiling kept per browser: those of the person's browsers."""
    from analytics.profile_models import ProfileOptOut

    browsers = {visit["visitor_id"] for visit in analytics_data.get("visits", [])}
    browsers |= {visitor for visitor in visitor_ids if visitor}
    if not browsers:
        return []
    return [
        _row(row, ("visitor_id", "created_at"))
        for row in ProfileOptOut.select().where(ProfileOptOut.visitor_id.in_(sorted(browsers)))
    ]


def person_data(
    email: str,
    *,
    user: User | None = None,
    consent_id: str | None = None,
    visitor_ids: tuple[str, ...] = (),
) -> dict:
    """Everything stored about the person with this address (and account), JSON-ready.

    ``consent_id`` is the id in the browser's consent cookie and ``visitor_ids`` its analytics
    visitor id: proofs of consent and objections made logged out are kept per browser, not per
    person, so only the asking browser's own can be added.
    """
    address = normalise_address(email)
    user = user or find_user(address)
    contact = Contact.get_or_none(Contact.email == address)
    leads = _leads(contact)
    registrations = _registrations(address, user)
    notes = {}
    if leads:
        for note in LeadNote.select().where(LeadNote.lead.in_([lead.id for lead in leads])):
            notes.setdefault(note.lead_id, []).append(
                {"text": note.text, "created_at": _plain(note.created_at)}
            )
    seminars = RegistrationSeminar.slot_ids_by_registration(registrations)
    data: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "generated_at": _plain(now()),
        "email": address,
        "account": None,
        "sessions": [],
        "retention_notices": [],
        "contact": None,
        "leads": [],
        "course_registrations": [],
        "newsletter": newsletter.personal_data(address),
        "consent_records": [],
        "emails": [],
        "audit_log": [],
        "newsletter_issues_written": [],
        "analytics": _analytics_data(user),
        "profiling_objections": [],
        "interest_profile": _interest_profile(user),
        "inventory": [entry.__dict__ for entry in inventory.inventory()],
    }
    if user is not None:
        account = _row(
            user,
            ("email", "first_name", "last_name", "work_phone", "role", "active", "created_at"),
        )
        for name in ("email_confirmed_at", "last_active_at", "requested_organisation"):
            if hasattr(user, name):
                account[name] = _plain(getattr(user, name))
        organisation = user.organisation
        account["organisation"] = (
            {"name": organisation.name, "kind": organisation.kind} if organisation else None
        )
        account["password_note"] = PASSWORD_NOTE
        data["account"] = account
        data["sessions"] = [
            _row(session, ("created_at", "last_seen_at", "remember"))
            for session in UserSession.select().where(UserSession.user == user)
        ]
        data["retention_notices"] = [
            _row(notice, ("deadline", "sent_at"))
            for notice in RetentionNotice.select().where(RetentionNotice.user == user)
        ]
        data["newsletter_issues_written"] = [
            _row(issue, ("subject", "created_at", "sent_at"))
            for issue in newsletter.NewsletterIssue.select().where(
                newsletter.NewsletterIssue.created_by == user
            )
        ]
    if contact is not None:
        data["contact"] = _row(
            contact,
            (
                "email",
                "first_name",
                "last_name",
                "organisation_name",
                "work_phone",
                "products_of_interest",
                "created_at",
                "updated_at",
            ),
        )
    data["leads"] = [
        {
            **_row(
                lead,
                (
                    "type",
                    "status",
                    "first_name",
                    "last_name",
                    "organisation_name",
                    "work_phone",
                    "message",
                    "organisation_type",
                    "sites",
                    "users",
                    "preferred_times",
                    "meeting_mode",
                    "products",
                    "marketing_consent",
                    "legal_basis",
                    "consent_text_version",
                    "created_at",
                ),
            ),
            "notes": notes.get(lead.id, []),
        }
        for lead in leads
    ]
    data["course_registrations"] = [
        {
            "course": registration.course_session.course.title_sv,
            "starts_at": _plain(registration.course_session.starts_at),
            **_row(
                registration,
                (
                    "status",
                    "dietary_choices",
                    "dietary_other",
                    "language",
                    "created_at",
                    "cancelled_at",
                ),
            ),
            "seminar_slot_ids": seminars.get(registration.id, []),
        }
        for registration in registrations
    ]
    if consent_id:
        data["consent_records"] = [
            _row(
                record,
                (
                    "consent_id",
                    "created_at",
                    "action",
                    "statistics",
                    "marketing",
                    "gpc",
                    "revision",
                    "language",
                    "path",
                    "ua_family",
                ),
            )
            for record in ConsentRecord.history(consent_id)
        ]
    data["profiling_objections"] = _opt_outs(data["analytics"], visitor_ids)
    related = _related_keys(contact, leads, registrations, user)
    data["emails"] = [
        _row(
            message,
            ("kind", "to_address", "subject", "body_text", "status", "created_at", "sent_at"),
        )
        for message in _outbox(address, related)
    ]
    data["audit_log"] = [
        _row(entry, ("at", "action", "actor_role")) for entry in AuditEntry.about(address)
    ]
    return data


def summary(data: dict) -> dict[str, int]:
    """How many records each section of an export holds (for the HTML page and the audit log)."""
    counts = {}
    for key, value in data.items():
        if key in ("format_version", "generated_at", "email", "inventory"):
            continue
        if isinstance(value, list):
            counts[key] = len(value)
        elif isinstance(value, dict):
            counts[key] = sum(
                len(item) if isinstance(item, list) else int(item is not None)
                for item in value.values()
            )
        else:
            counts[key] = int(value is not None)
    return counts


def _cancel_upcoming(registrations: list[Registration]) -> None:
    """Give up places in sessions still to come, so the waitlist moves up before we delete."""
    from ..courses.signup import send_email

    moment = local_now()
    for registration in registrations:
        if registration.is_active and registration.course_session.starts_at > moment:
            for other in registration.cancel() or []:
                send_email(other, "promoted")


def erase_person(
    email: str, *, user: User | None = None, visitor_ids: tuple[str, ...] = ()
) -> dict[str, int]:
    """Erase the person with this address everywhere; return what was deleted, per table.

    Deleted: the account (and with it its sessions, retention notices, and the links from
    leads, notes and newsletters it handled as staff, which become NULL), the contact with its
    leads, notes, course sign-ups and seminar choices (upcoming places first go to the
    waitlist), the newsletter subscription, preferences and mail events, every email to or
    about the address, and in analytics the user's profile and visits/events
    (``analytics.subjects.erase_user``).

    ``visitor_ids``: the erasing browser's analytics visitor id, whose lines may all still
    wait in the spool (analytics drops them when they arrive, as it does the user's).

    Afterwards the person's files in the development outbox folder are deleted and SQLite's
    WAL is checkpointed (secure_delete has zeroed the rows in the database file).

    Kept: proofs of consent (they name a browser's random consent id, never a person, and are
    deleted after WINLAS_CONSENT_RECORD_MONTHS); the audit log (a keyed digest of the address,
    no address); course counts and organisations, which are not about the person.
    """
    address = normalise_address(email)
    user = user or find_user(address)
    counts: dict[str, int] = {}
    contact = Contact.get_or_none(Contact.email == address)
    registrations = _registrations(address, user)
    _cancel_upcoming(registrations)
    leads = _leads(contact)
    related = _related_keys(contact, leads, registrations, user)
    with database.atomic():
        if user is not None:
            from analytics import subjects

            for name, n in subjects.erase_user(user.id, visitor_ids).items():
                counts[f"analytics_{name}"] = n
        outbox_ids = [message.id for message in _outbox(address, related)]
        counts["outbox_message"] = (
            OutboxMessage.delete_with_files(OutboxMessage.id.in_(outbox_ids)) if outbox_ids else 0
        )
        counts["newsletter"] = newsletter.forget(address)
        registration_ids = [registration.id for registration in registrations]
        if registration_ids:
            RegistrationSeminar.delete().where(
                RegistrationSeminar.registration.in_(registration_ids)
            ).execute()
            counts["registration"] = (
                Registration.delete().where(Registration.id.in_(registration_ids)).execute()
            )
        lead_ids = [lead.id for lead in leads]
        if lead_ids:
            LeadNote.delete().where(LeadNote.lead.in_(lead_ids)).execute()
            counts["lead"] = Lead.delete().where(Lead.id.in_(lead_ids)).execute()
        if contact is not None:
            # sign-ups of this contact made by someone else's account go too: they name the
            # person (the foreign keys cascade, said explicitly for clarity)
            Registration.delete().where(Registration.contact == contact).execute()
            counts["contact"] = contact.delete_instance()
        if user is not None:
            UserSession.end_all(user)
            RetentionNotice.delete().where(RetentionNotice.user == user).execute()
            Lead.update(owner=None).where(Lead.owner == user).execute()
            LeadNote.update(author=None).where(LeadNote.author == user).execute()
            newsletter.NewsletterIssue.update(created_by=None).where(
                newsletter.NewsletterIssue.created_by == user
            ).execute()
            Registration.update(user=None).where(Registration.user == user).execute()
            counts["user"] = User.delete().where(User.id == user.id).execute()
    counts["outbox_files"] = _forget_outbox_files(address)
    # secure_delete zeroed the rows in the database file; the WAL still holds the pages as they
    # were before the erasure until it is checkpointed and truncated
    checkpoint(database.obj)
    return {name: n for name, n in counts.items() if n}


def _forget_outbox_files(address: str) -> int:
    """Development outbox files that still mention the address once its rows are gone
    (written under an older name, or kept after their row was purged)."""
    from ..mail.transport import envelope_address, outbox_files

    return outbox_files(current_app.instance_path).remove_mentioning(
        address, envelope_address(address)
    )


def send_confirmation(address: str, language: str, reason: str) -> None:
    """The administrative "your data is erased" email (P21: sent despite any opt-out).

    Queued after the erasure, to the address held in memory; its outbox row is the one place
    the address remains, and only until delivery: ``scrub_confirmations`` deletes it once it is
    sent or has failed (at once in immediate mode, else by the periodic task).
    """
    from ..mail import queue_email

    try:
        queue_email(
            address,
            "account/erased",
            {"reason": reason},
            kind="administrative",
            language=language if language in ("sv", "en") else "sv",
            related=CONFIRMATION_RELATED,
        )
    except Exception:
        log.exception("the erasure confirmation could not be queued")
    scrub_confirmations()


def scrub_confirmations() -> int:
    """Delete erasure confirmations that are delivered or given up, with their files in the
    development outbox; return how many. The WAL is checkpointed after a deletion, as after
    the erasure itself."""
    scrubbed = OutboxMessage.delete_with_files(
        (OutboxMessage.related == CONFIRMATION_RELATED) & OutboxMessage.status.in_((SENT, FAILED))
    )
    if scrubbed:
        checkpoint(database.obj)
    return scrubbed


def unused_contacts(before: datetime.datetime) -> peewee.ModelSelect:
    """Contacts no longer used by a lead, sign-up, subscription or account, untouched since
    ``before``: what is left of a person once their last inquiry has expired."""
    return Contact.select().where(
        (Contact.updated_at < before)
        & ~fn_exists(Lead.select().where(Lead.contact == Contact.id))
        & ~fn_exists(Registration.select().where(Registration.contact == Contact.id))
        & ~fn_exists(
            newsletter.Subscription.select().where(newsletter.Subscription.contact == Contact.id)
        )
        & ~fn_exists(User.select().where(User.email == Contact.email))
    )


def fn_exists(query: peewee.ModelSelect) -> peewee.Expression:
    return peewee.fn.EXISTS(query)


def past_registrations(before: datetime.datetime) -> peewee.ModelSelect:
    """Sign-ups for sessions that ended before ``before``."""
    return (
        Registration.select(Registration.id)
        .join(CourseSession)
        .where(CourseSession.ends_at < before)
    )


def config_days(name: str, default: int) -> int:
    """A whole number of days from the settings (at least 1)."""
    return max(1, int(current_app.config.get(name, default)))
