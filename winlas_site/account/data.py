"""Everything the site holds about one person: found by address (and account), exported as one
JSON document (P12), or erased everywhere (P14).

Used by "Mitt konto" (the person themself), the DSAR tool (the data-protection officer, for
people with or without an account) and the retention job (two years without activity).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from typing import Any

import peewee

from .. import inventory, rights
from ..auth.models import User
from ..clock import now
from ..courses.models import CourseSession, Registration
from ..db import checkpoint, database
from ..leads.models import Contact, Lead, normalise_address
from ..mail import queue_email
from ..mail.models import FAILED, SENT, OutboxMessage
from ..models import PROVIDERS
from ..newsletter.models import Subscription

log = logging.getLogger("winlas.account")

FORMAT_VERSION = 1
# the outbox rows of erasure confirmations: kept only until delivered (see scrub_confirmations)
CONFIRMATION_RELATED = "erasure-confirmation"

# where each table's rows appear in the export, as the features' providers say
EXPORT_SECTIONS: dict[str, str] = rights.export_sections(PROVIDERS)

# the order of the sections in the export and on its summary page; a section of a provider
# that is not listed here comes after them
SECTIONS = (
    "account",
    "sessions",
    "retention_notices",
    "contact",
    "leads",
    "course_registrations",
    "newsletter",
    "consent_records",
    "emails",
    "audit_log",
    "newsletter_issues_written",
    "page_revisions",
    "images_uploaded",
    "weekly_digest",
    "analytics",
    "profiling_objections",
    "interest_profile",
    "dashboard_written",
)


def find_user(email: str) -> User | None:
    """The account of an address (accounts are stored lower-cased; contacts NFKC-folded)."""
    address = normalise_address(email)
    return User.get_or_none(User.email == address) or User.by_email(email)


def find_person(
    email: str,
    *,
    user: User | None = None,
    consent_id: str | None = None,
    visitor_ids: tuple[str, ...] = (),
) -> rights.Person:
    """The person with this address (and account), as every provider is asked about them."""
    address = normalise_address(email)
    found = rights.Person(
        address=address,
        user=user or find_user(address),
        contact=Contact.get_or_none(Contact.email == address),
        consent_id=consent_id,
        visitor_ids=visitor_ids,
    )
    keys = tuple(key for provider in PROVIDERS for key in provider.mail_keys(found))
    return dataclasses.replace(found, mail_keys=keys)


def person_data(
    email: str,
    *,
    user: User | None = None,
    consent_id: str | None = None,
    visitor_ids: tuple[str, ...] = (),
) -> dict:
    """Everything stored about the person with this address (and account), JSON-ready: each
    feature's sections (``rights.Provider.export``), then the data inventory.

    ``consent_id`` is the id in the browser's consent cookie and ``visitor_ids`` its analytics
    visitor id: proofs of consent and objections made logged out are kept per browser, not per
    person, so only the asking browser's own can be added.
    """
    subject = find_person(email, user=user, consent_id=consent_id, visitor_ids=visitor_ids)
    answers: dict = {}
    for provider in PROVIDERS:
        answers.update(provider.export(subject))
    data = {
        "format_version": FORMAT_VERSION,
        "generated_at": rights.plain(now()),
        "email": subject.address,
    }
    data.update({key: answers.pop(key) for key in SECTIONS if key in answers})
    data.update(answers)
    data["inventory"] = [entry.__dict__ for entry in inventory.inventory()]
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


def erase_person(
    email: str, *, user: User | None = None, visitor_ids: tuple[str, ...] = ()
) -> dict[str, int]:
    """Erase the person with this address everywhere; return what was deleted, per table.

    Each feature erases its own rows (``rights.Provider.erase``), in one transaction, in the
    providers' ``order``: in analytics the user's profile and visits/events
    (``analytics.erase_user``), every email to or about the address, the newsletter
    subscription, preferences and mail events, the course sign-ups and seminar choices
    (upcoming places first go to the waitlist, before the transaction), the contact with its
    leads and notes, the retention notices, and last the account with its sessions (the leads,
    notes, newsletters and sign-ups it handled as staff stay, unlinked).

    ``visitor_ids``: the erasing browser's analytics visitor id, whose lines may all still
    wait in the spool (analytics drops them when they arrive, as it does the user's).

    Afterwards the person's files in the development outbox folder are deleted and SQLite's
    WAL is checkpointed (secure_delete has zeroed the rows in the database file).

    Kept: proofs of consent (they name a browser's random consent id, never a person, and are
    deleted after WINLAS_CONSENT_RECORD_MONTHS); the audit log (a keyed digest of the address,
    no address); course counts and organisations, which are not about the person.
    """
    subject = find_person(email, user=user, visitor_ids=visitor_ids)
    providers = rights.erasure_order(PROVIDERS)
    for provider in providers:
        provider.prepare(subject)
    counts: dict[str, int] = {}
    with database.atomic():
        for provider in providers:
            counts.update(provider.erase(subject))
    for provider in providers:
        counts.update(provider.cleanup(subject))
    # secure_delete zeroed the rows in the database file; the WAL still holds the pages as they
    # were before the erasure until it is checkpointed and truncated
    checkpoint(database.obj)
    return {name: n for name, n in counts.items() if n}


def send_confirmation(address: str, language: str, reason: str) -> None:
    """The administrative "your data is erased" email (P21: sent despite any opt-out).

    Queued after the erasure, to the address held in memory; its outbox row is the one place
    the address remains, and only until delivery: ``scrub_confirmations`` deletes it once it is
    sent or has failed (at once in immediate mode, else by the periodic task).
    """
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


def unused_contacts(before: datetime.datetime) -> peewee.ModelSelect[Contact]:
    """Contacts no longer used by a lead, sign-up, subscription or account, untouched since
    ``before``: what is left of a person once their last inquiry has expired."""
    return Contact.select().where(
        (Contact.updated_at < before)
        & ~fn_exists(Lead.select().where(Lead.contact == Contact.id))
        & ~fn_exists(Registration.select().where(Registration.contact == Contact.id))
        & ~fn_exists(Subscription.select().where(Subscription.contact == Contact.id))
        & ~fn_exists(User.select().where(User.email == Contact.email))
    )


def fn_exists(query: peewee.ModelSelect[Any]) -> peewee.Function:
    return peewee.fn.EXISTS(query)


def past_registrations(before: datetime.datetime) -> peewee.ModelSelect[Registration]:
    """Sign-ups for sessions that ended before ``before``."""
    return (
        Registration.select(Registration.id)
        .join(CourseSession)
        .where(CourseSession.ends_at < before)
    )
