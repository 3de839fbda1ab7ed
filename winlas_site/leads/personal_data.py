"""The inquiries' part of a person's data rights (P12, P14): the contact, its leads, the
staff notes on them and their history (``LeadEvent``), including merge events elsewhere that
still name an address the person had."""

from __future__ import annotations

from ..rights import Counts, Person, Provider, Section, plain, row
from .models import Contact, Lead, LeadEvent, LeadNote

CONTACT_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "organisation_name",
    "work_phone",
    "products_of_interest",
    "created_at",
    "updated_at",
)
LEAD_FIELDS = (
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
    "source",
    "follow_up_on",
    "follow_up_note",
    "conversion_id",
    "touches",
)


def _leads(contact: Contact | None) -> list[Lead]:
    if contact is None:
        return []
    return list(Lead.select().where(Lead.contact == contact).order_by(Lead.created_at, Lead.id))


def export(person: Person) -> Section:
    leads = _leads(person.contact)
    notes: dict[int, list[dict]] = {}
    events: dict[int, list[dict]] = {}
    if leads:
        ids = [lead.id for lead in leads]
        for note in LeadNote.select().where(LeadNote.lead.in_(ids)):
            notes.setdefault(note.lead_id, []).append(
                {"text": note.text, "created_at": plain(note.created_at)}
            )
        for event in LeadEvent.select().where(LeadEvent.lead.in_(ids)).order_by(LeadEvent.id):
            events.setdefault(event.lead_id, []).append(_event(event))
    return {
        "contact": None if person.contact is None else row(person.contact, CONTACT_FIELDS),
        "leads": [
            {
                **row(lead, LEAD_FIELDS),
                "notes": notes.get(lead.id, []),
                "events": events.get(lead.id, []),
            }
            for lead in leads
        ],
    }


def _event(event: LeadEvent) -> dict:
    return {"kind": event.kind, "created_at": plain(event.created_at), "detail": event.detail}


def erase(person: Person) -> Counts:
    """The contact with its leads and their notes (its course sign-ups are gone by now); the
    leads and notes the person handled as staff stay, unowned."""
    counts = {}
    lead_ids = [lead.id for lead in _leads(person.contact)]
    # an address merged away into another contact still stands in that contact's history
    naming = [event.id for event in LeadEvent.naming(person.address)] if person.address else []
    if naming:
        counts["lead_event"] = LeadEvent.delete().where(LeadEvent.id.in_(naming)).execute()
    if lead_ids:
        LeadNote.delete().where(LeadNote.lead.in_(lead_ids)).execute()
        events = LeadEvent.delete().where(LeadEvent.lead.in_(lead_ids)).execute()
        counts["lead_event"] = counts.get("lead_event", 0) + events
        counts["lead"] = Lead.delete().where(Lead.id.in_(lead_ids)).execute()
    if person.contact is not None:
        counts["contact"] = person.contact.delete_instance()
    if person.user is not None:
        Lead.update(owner=None).where(Lead.owner == person.user).execute()
        LeadNote.update(author=None).where(LeadNote.author == person.user).execute()
        LeadEvent.forget_user(person.user.id)
    return counts


def mail_keys(person: Person) -> list[str]:
    return [f"lead:{lead.id}" for lead in _leads(person.contact)]


PROVIDER = Provider(
    feature="leads",
    sections={"contact": "contact", "lead": "leads", "lead_note": "leads", "lead_event": "leads"},
    export=export,
    erase=erase,
    order=50,
    mail_keys=mail_keys,
)
