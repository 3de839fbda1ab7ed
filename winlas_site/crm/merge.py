"""Merging two contacts that are one person (``anna@kommun.se`` and ``anna.berg@kommun.se``).

Staff pick the duplicate from the contact they keep, see the ``Plan`` (what moves, what is
cancelled or dropped, which contact fields are kept), then confirm. ``merge`` does it all in one
transaction: the duplicate's leads, course sign-ups and newsletter subscriptions move to the kept
contact; empty fields of the kept contact are filled from the duplicate; the duplicate is
deleted; every lead of the kept contact gets a "merged" event naming the removed address (its
erasure: ``leads.personal_data``).

Conflicts:

- both signed up to the same session: one active sign-up per person and session (the database
  holds to it), so the confirmed one is kept over a waitlisted one, and the earlier of two alike;
  the other is cancelled as the courses cancel (a place freed goes to the waitlist, whose
  promoted participants are told by email after the commit);
- both have a subscription: one is kept. A decision (confirmed or unsubscribed) is stronger than
  a request nobody confirmed, and of two decisions the later one is the person's current will (a
  withdrawal is never undone by an older consent); a tie keeps the kept contact's. A kept
  subscription keeps its own address: the consent was given for that mailbox.

This lives here, not in ``leads.models``: the courses and the newsletter import the leads, so
only the CRM above them may touch all three.
"""

from __future__ import annotations

import dataclasses
import datetime

import peewee

from ..auth.models import User
from ..clock import now
from ..courses.models import ACTIVE, Course, CourseSession, Registration
from ..courses.signup import send_email as send_course_email
from ..leads.models import Contact, Lead, LeadEvent, write_transaction
from ..newsletter.models import Subscription

# the contact fields a merge may fill in; the kept contact's own values always win
FIELDS = ("first_name", "last_name", "organisation_name", "work_phone")


@dataclasses.dataclass
class FieldChoice:
    name: str
    kept: str
    duplicate: str
    result: str


@dataclasses.dataclass
class Plan:
    """What a merge of ``duplicate`` into ``kept`` does, computed the same for the preview and
    for the merge itself."""

    kept: Contact
    duplicate: Contact
    leads: list[Lead]
    registrations: list[Registration]  # the duplicate's, all of which move
    cancelled: list[Registration]  # of either contact: the second sign-up to one session
    subscriptions_moved: list[Subscription]
    subscriptions_dropped: list[Subscription]
    fields: list[FieldChoice]
    organisation_id: int | None
    products: str


class MergeRefused(Exception):
    """The two contacts cannot be merged (one is gone, or they are the same)."""


def candidates(kept: Contact, search: str, limit: int = 20) -> list[Contact]:
    """Other contacts whose address or name contains ``search``."""
    needle = search.strip().lower()
    if not needle:
        return []
    name = peewee.fn.LOWER(Contact.first_name.concat(" ").concat(Contact.last_name))
    return list(
        Contact.select()
        .where(
            (Contact.id != kept.id)
            & (
                peewee.fn.LOWER(Contact.email).contains(needle)
                | name.contains(needle)
                | peewee.fn.LOWER(Contact.organisation_name).contains(needle)
            )
        )
        .order_by(Contact.email)
        .limit(limit)
    )


def _registrations(contact: Contact) -> list[Registration]:
    return list(
        Registration.select(Registration, CourseSession, Course)
        .join(CourseSession)
        .join(Course)
        .where(Registration.contact == contact)
        .order_by(CourseSession.starts_at, Registration.id)
    )


def _subscriptions(contact: Contact) -> list[Subscription]:
    return list(
        Subscription.select()
        .where((Subscription.contact == contact) | (Subscription.email == contact.email))
        .order_by(Subscription.id)
    )


def _strength(subscription: Subscription) -> tuple[bool, datetime.datetime]:
    if subscription.status == "unsubscribed":
        return True, subscription.unsubscribed_at or datetime.datetime.min
    if subscription.status == "confirmed":
        return True, subscription.confirmed_at or datetime.datetime.min
    return False, subscription.requested_at or datetime.datetime.min


def _keeps(registration: Registration) -> tuple[bool, datetime.datetime, int]:
    # sorted first = kept: confirmed before waitlisted, then the earlier sign-up
    return registration.status != "confirmed", registration.created_at, registration.id


def plan(kept: Contact, duplicate: Contact) -> Plan:
    """What merging ``duplicate`` into ``kept`` would do."""
    if kept.id == duplicate.id:
        raise MergeRefused("a contact cannot be merged with itself")
    moving = _registrations(duplicate)
    active_kept = {r.course_session_id: r for r in _registrations(kept) if r.status in ACTIVE}
    cancelled = []
    for registration in moving:
        other = active_kept.get(registration.course_session_id)
        if registration.status in ACTIVE and other is not None:
            cancelled.append(sorted([registration, other], key=_keeps)[1])
    theirs, ours = _subscriptions(duplicate), _subscriptions(kept)
    ours_ids = {s.id for s in ours}
    theirs = [s for s in theirs if s.id not in ours_ids]
    dropped: list[Subscription] = []
    if theirs and ours:
        # max() keeps the first of equals: the kept contact's come first
        strongest = max([*ours, *theirs], key=_strength)
        dropped = [s for s in [*ours, *theirs] if s.id != strongest.id]
        theirs = [s for s in theirs if s.id == strongest.id]
    fields = [
        FieldChoice(
            name,
            getattr(kept, name),
            getattr(duplicate, name),
            getattr(kept, name) or getattr(duplicate, name),
        )
        for name in FIELDS
    ]
    products = "\n".join(
        dict.fromkeys(
            line
            for line in (kept.products_of_interest + "\n" + duplicate.products_of_interest).split(
                "\n"
            )
            if line
        )
    )
    return Plan(
        kept=kept,
        duplicate=duplicate,
        leads=list(duplicate.leads.order_by(Lead.created_at.desc())),
        registrations=moving,
        cancelled=cancelled,
        subscriptions_moved=theirs,
        subscriptions_dropped=dropped,
        fields=fields,
        organisation_id=kept.organisation_id or duplicate.organisation_id,
        products=products,
    )


def merge(kept_id: int, duplicate_id: int, by: User | None) -> Plan:
    """Merge contact ``duplicate_id`` into ``kept_id`` in one transaction (see the module
    docstring); returns the plan it carried out. ``MergeRefused`` when one of them is gone."""
    pair = Contact.select().where(Contact.id.in_([kept_id, duplicate_id]))
    with write_transaction(pair):
        kept = Contact.get_or_none(Contact.id == kept_id)
        duplicate = Contact.get_or_none(Contact.id == duplicate_id)
        if kept is None or duplicate is None:
            raise MergeRefused("one of the contacts is gone")
        done = plan(kept, duplicate)
        promoted: list[Registration] = []
        for registration in done.cancelled:
            promoted += registration.cancel() or []
        Registration.update(contact=kept.id).where(Registration.contact == duplicate.id).execute()
        for subscription in done.subscriptions_dropped:
            subscription.delete_instance()
        for subscription in done.subscriptions_moved:
            # an unconfirmed sign-up stays outside the CRM until it is confirmed
            if subscription.contact_id is not None:
                Subscription.update(contact=kept.id).where(
                    Subscription.id == subscription.id
                ).execute()
        Lead.update(contact=kept.id).where(Lead.contact == duplicate.id).execute()
        Contact.update(
            organisation=done.organisation_id,
            products_of_interest=done.products,
            updated_at=now(),
            **{choice.name: choice.result for choice in done.fields},
        ).where(Contact.id == kept.id).execute()
        detail = {
            "removed_email": duplicate.email,
            "removed_name": f"{duplicate.first_name} {duplicate.last_name}".strip(),
            "moved_leads": len(done.leads),
            "moved_registrations": len(done.registrations),
            "moved_subscriptions": len(done.subscriptions_moved),
            "cancelled_registrations": len(done.cancelled),
        }
        for lead in Lead.select().where(Lead.contact == kept.id):
            LeadEvent.record(lead, "merged", by, detail)
        Contact.delete().where(Contact.id == duplicate.id).execute()
    # after the commit: a mail problem never undoes the merge
    for registration in promoted:
        send_course_email(registration, "promoted")
    return done
