"""The CRM: contacts (one per mailbox), their leads, staff notes on leads and each lead's
history (``LeadEvent``: status, owner, organisation and follow-up changes, creation by staff,
merges), recorded by the methods that make the change, in the same transaction."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import re
from collections.abc import Iterator
from typing import Any

import peewee

from .. import addresses
from ..auth.models import Organisation, User
from ..clock import now
from ..db import BaseModel, database, rows

LEAD_TYPES = ("question", "quote", "demo")
STATUSES = ("ny", "kontaktad", "kvalificerad", "vunnen", "forlorad")
ORGANISATION_TYPES = ("school", "municipal_library", "agency", "company")
# where a lead came from: a form on the site, or a phone call staff typed in
SOURCES = ("web", "telefon")
# what a LeadEvent records (notes stay in LeadNote and join the timeline when it is shown)
EVENT_KINDS = ("created", "status", "owner", "organisation", "follow_up", "merged")
# the list's sortable columns (``?sortera=``), in the order of its headers
SORT_COLUMNS = ("inkom", "typ", "namn", "organisation", "status", "ansvarig", "uppfoljning")


# the lookup key of the one address rule (``addresses``: case, IDNA domains, look-alikes,
# +tags), under the name the CRM's neighbours import. Contacts are stored by ``canonical``.
normalise_address = addresses.normalise

# the person fields of a contact that a form also copies onto the lead, as typed
TYPED_FIELDS = ("first_name", "last_name", "organisation_name", "work_phone")


class JSONField(peewee.TextField):
    """A small JSON object stored as text (the same on SQLite and PostgreSQL)."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: Any) -> Any:
        if value is None:
            return None
        # a value written by hand, cut short or by an older version reads as an empty object,
        # which every reader takes as "nothing recorded" (a lead's touches: unknown), so one
        # bad row cannot take the CRM or the dashboard down
        try:
            data = json.loads(value)
        except (TypeError, ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}


class Contact(BaseModel):
    email = peewee.CharField(max_length=254, unique=True)
    first_name = peewee.CharField(max_length=100)
    last_name = peewee.CharField(max_length=100)
    organisation_name = peewee.CharField(max_length=200, default="")
    organisation = peewee.ForeignKeyField(Organisation, null=True, backref="contacts")
    organisation_id: int | None
    work_phone = peewee.CharField(max_length=40, default="")
    products_of_interest = peewee.TextField(default="")  # one product slug per line
    created_at = peewee.DateTimeField(default=now)
    updated_at = peewee.DateTimeField(default=now)
    # backref of Lead.contact
    leads: peewee.ModelSelect[Lead]

    PERSONAL_DATA = {
        "email": ("contact", "first contact, customer register (P1, P11)"),
        "first_name": ("identity", "first contact"),
        "last_name": ("identity", "first contact"),
        "organisation_name": ("affiliation", "first contact"),
        "work_phone": ("contact", "first contact"),
        "products_of_interest": ("interest", "offers, first contact"),
    }

    @classmethod
    def by_email(cls, email: str) -> Contact | None:
        """The contact of this mailbox, or None."""
        return cls.get_or_none(cls.email == normalise_address(email))

    @classmethod
    def upsert(cls, email: str, *, by: User | None = None, **fields) -> Contact:
        """The contact of this address: created with the fields given, or found.

        An existing contact is updated only when ``by`` (the logged-in user who sent the form)
        is its owner (the account has this address) or staff. Anyone can type anyone's address
        into a public form, so an anonymous submission never changes an existing contact's
        name, organisation or phone: what was typed stays on the lead (``TYPED_FIELDS``) for
        staff to read. Never decided by cookie: school and library computers are shared.
        The address must pass the address rule (``addresses.InvalidAddress`` otherwise).
        """
        address = addresses.canonical(email)
        contact = cls.get_or_none(cls.email == address)
        if contact is None:
            return cls.create(email=address, **fields)
        if not cls.may_update(address, by):
            return contact
        for name, value in fields.items():
            if value not in (None, ""):
                setattr(contact, name, value)
        contact.updated_at = now()
        contact.save()
        return contact

    @staticmethod
    def may_update(address: str, by: User | None) -> bool:
        """True when ``by`` may change the contact of ``address``: its owner, or staff."""
        if by is None or not getattr(by, "is_authenticated", False):
            return False
        return by.has_role("staff") or addresses.normalise(by.email) == address


class Lead(BaseModel):
    contact = peewee.ForeignKeyField(Contact, backref="leads", on_delete="CASCADE")
    contact_id: int
    type = peewee.CharField(max_length=10)  # question | quote | demo
    # the person fields as typed into this form: the contact keeps its own (an anonymous form
    # never overwrites them, see Contact.upsert), staff see both
    first_name = peewee.CharField(max_length=100, default="")
    last_name = peewee.CharField(max_length=100, default="")
    organisation_name = peewee.CharField(max_length=200, default="")
    work_phone = peewee.CharField(max_length=40, default="")
    status = peewee.CharField(max_length=15, default="ny")
    owner = peewee.ForeignKeyField(User, null=True, backref="leads_owned", on_delete="SET NULL")
    owner_id: int | None
    message = peewee.TextField(default="")
    organisation_type = peewee.CharField(max_length=20, default="")
    sites = peewee.IntegerField(null=True)
    users = peewee.IntegerField(null=True)
    preferred_times = peewee.TextField(default="")
    meeting_mode = peewee.CharField(max_length=10, default="")  # on_site | online
    products = peewee.TextField(default="")  # one product slug per line
    marketing_consent = peewee.BooleanField(default=False)
    legal_basis = peewee.CharField(max_length=40, default="legitimate_interest")
    consent_text_version = peewee.CharField(max_length=20, default="")
    idempotency_key = peewee.CharField(max_length=64, unique=True)
    created_at = peewee.DateTimeField(default=now, index=True)
    source = peewee.CharField(max_length=10, default="web")  # web | telefon
    # the next thing to do about the lead, on a Swedish calendar day (the "due today" view)
    follow_up_on = peewee.DateField(null=True, index=True)
    follow_up_note = peewee.CharField(max_length=500, default="")
    # the Swedish day the owner's morning email last listed this follow-up: once per lead and day
    follow_up_reminded_on = peewee.DateField(null=True)
    # the conversion event analytics recorded when the form was sent (statistics consent only;
    # None: no consent, taken by phone, or from before issue 16) and the first and last touch
    # of the visits that led to it (``analytics.Touches.to_json``), kept here because raw
    # visits are purged: None not looked up yet, {} looked up and not found (unknown)
    conversion_id = peewee.CharField(max_length=36, null=True, index=True)
    touches = JSONField(null=True)
    # backref of LeadNote.lead
    notes: peewee.ModelSelect[LeadNote]
    # backref of LeadEvent.lead
    events: peewee.ModelSelect[LeadEvent]

    PERSONAL_DATA = {
        "first_name": ("identity", "answer the inquiry (P11), as typed in the form"),
        "last_name": ("identity", "answer the inquiry (P11), as typed in the form"),
        "organisation_name": ("affiliation", "answer the inquiry (P11), as typed in the form"),
        "work_phone": ("contact", "answer the inquiry (P11), as typed in the form"),
        "message": ("free text", "answer the inquiry (P11)"),
        "preferred_times": ("free text", "arrange the demo"),
        "marketing_consent": ("consent", "marketing (P18)"),
        "follow_up_note": ("free text", "staff's next step on the inquiry (may name the person)"),
        "conversion_id": (
            "pseudonymous identifier",
            "which campaign brought the inquiry (statistics consent): finds its visits",
        ),
        "touches": (
            "usage",
            "which campaign brought the inquiry (statistics consent): source, campaign and "
            "landing page of the first and last visit before it",
        ),
    }

    @classmethod
    def listing(
        cls,
        type: str = "",
        status: str = "",
        owner: int | None = None,
        search: str = "",
        sort: str = "inkom",
        order: str = "desc",
    ) -> peewee.ModelSelect[Lead]:
        """The staff list, narrowed by the filters and sorted by one of ``SORT_COLUMNS``
        (newest first by default). A search matches name, address, organisation, the message
        and, written in any way, a phone number (the contact's or the one typed on the lead)."""
        query = (
            cls.select(cls, Contact, User)
            .join(Contact)
            .switch(cls)
            .join(User, peewee.JOIN.LEFT_OUTER, on=(cls.owner == User.id))
        )
        if type:
            query = query.where(cls.type == type)
        if status:
            query = query.where(cls.status == status)
        if owner:
            query = query.where(cls.owner == owner)
        if search:
            query = query.where(_search(search))
        return query.order_by(*_sort_order(sort, order))

    @classmethod
    def due(cls, today: datetime.date, owner: int | None = None) -> peewee.ModelSelect[Lead]:
        """Leads whose follow-up falls on ``today`` (a Swedish calendar day) or before it,
        the most overdue first; only ``owner``'s when given."""
        query = (
            cls.select(cls, Contact, User)
            .join(Contact)
            .switch(cls)
            .join(User, peewee.JOIN.LEFT_OUTER, on=(cls.owner == User.id))
            .where(cls.follow_up_on.is_null(False) & (cls.follow_up_on <= today))
            .order_by(cls.follow_up_on, cls.id)
        )
        if owner:
            query = query.where(cls.owner == owner)
        return query

    # -- changes: each records its event in the same transaction, and only when something
    # really changed (a form sent again unchanged adds nothing to the timeline)

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        return write_transaction(Lead.select().where(Lead.id == self.id))

    def set_status(self, status: str, by: User | None) -> bool:
        """Move the lead in the pipeline; True when the status changed."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with self._locked():
            before = Lead.get_by_id(self.id).status
            if before != status:
                Lead.update(status=status).where(Lead.id == self.id).execute()
                LeadEvent.record(self, "status", by, {"from": before, "to": status})
        self.status = status
        return before != status

    def assign(self, owner_id: int | None, by: User | None) -> bool:
        """Give the lead to ``owner_id`` (None: nobody); True when the owner changed."""
        with self._locked():
            before = Lead.get_by_id(self.id).owner_id
            if before != owner_id:
                Lead.update(owner=owner_id).where(Lead.id == self.id).execute()
                LeadEvent.record(self, "owner", by, {"from": before, "to": owner_id})
        self.owner_id = owner_id
        return before != owner_id

    def set_organisation(self, organisation_id: int | None, by: User | None) -> bool:
        """Link the lead's contact to a customer organisation (None: none); the event goes on
        this lead. True when it changed."""
        with self._locked():
            contact = Contact.get_by_id(self.contact_id)
            before = contact.organisation_id
            if before != organisation_id:
                names: dict[int, str] = dict(
                    rows(
                        Organisation.select(Organisation.id, Organisation.name)
                        .where(Organisation.id.in_([i for i in (before, organisation_id) if i]))
                        .tuples()
                    )
                )
                Contact.update(organisation=organisation_id, updated_at=now()).where(
                    Contact.id == contact.id
                ).execute()
                LeadEvent.record(
                    self,
                    "organisation",
                    by,
                    {"from": names.get(before or 0, ""), "to": names.get(organisation_id or 0, "")},
                )
        return before != organisation_id

    def set_follow_up(self, on: datetime.date | None, note: str, by: User | None) -> bool:
        """Set (or with ``on`` None clear) the follow-up; True when date or note changed."""
        note = note.strip() if on else ""
        with self._locked():
            fresh = Lead.get_by_id(self.id)
            changed = (fresh.follow_up_on, fresh.follow_up_note) != (on, note)
            if changed:
                Lead.update(follow_up_on=on, follow_up_note=note).where(
                    Lead.id == self.id
                ).execute()
                LeadEvent.record(
                    self,
                    "follow_up",
                    by,
                    {
                        "from": fresh.follow_up_on.isoformat() if fresh.follow_up_on else None,
                        "to": on.isoformat() if on else None,
                        "note": note,
                    },
                )
        self.follow_up_on, self.follow_up_note = on, note
        return changed

    def claim_reminder(self, today: datetime.date) -> bool:
        """Mark the follow-up as mailed on ``today``; False when it was already (by this run or
        another at the same time): the morning email lists a lead once per day."""
        claimed = (
            Lead.update(follow_up_reminded_on=today)
            .where(
                (Lead.id == self.id)
                & (Lead.follow_up_reminded_on.is_null() | (Lead.follow_up_reminded_on != today))
            )
            .execute()
        )
        return claimed == 1

    def timeline(self) -> list[TimelineEntry]:
        """Everything that happened to the lead, notes included, newest first."""
        entries = [
            TimelineEntry(event.created_at, event.kind, event.author, event.detail, event.id)
            for event in self.events.select(LeadEvent, User).join(
                User, peewee.JOIN.LEFT_OUTER, on=(LeadEvent.author == User.id)
            )
        ]
        entries += [
            TimelineEntry(note.created_at, "note", note.author, {"text": note.text}, note.id)
            for note in self.notes.select(LeadNote, User).join(
                User, peewee.JOIN.LEFT_OUTER, on=(LeadNote.author == User.id)
            )
        ]
        if self.source == "web":
            # a form on the site made it: no staff member did, so no event row was written
            entries.append(TimelineEntry(self.created_at, "received", None, {}, 0))
        entries.sort(key=lambda entry: (entry.at, entry.kind != "received", entry.id), reverse=True)
        return entries

    def product_list(self) -> list[str]:
        return [line for line in self.products.splitlines() if line]

    def typed_differs(self) -> bool:
        """True when the person fields typed into this form differ from the contact's."""
        contact = self.contact
        return any(
            getattr(self, name) and getattr(self, name) != getattr(contact, name)
            for name in TYPED_FIELDS
        )


# characters people put into phone numbers; a search ignores them on both sides
PHONE_PUNCTUATION = (" ", "-", "(", ")", "/", ".")
PHONE_SEARCH = re.compile(r"\+?[0-9]{3,}")


def _digits_only(field: Any) -> Any:
    """A phone column without its punctuation, in SQL."""
    for mark in PHONE_PUNCTUATION:
        field = peewee.fn.REPLACE(field, mark, "")
    return field


def phone_variants(text: str) -> list[str]:
    """The ways a typed number may be stored (``08-123 45`` as ``+46812345`` too, and the
    other way round); [] when ``text`` is not a phone number."""
    compact = "".join(ch for ch in text if ch not in PHONE_PUNCTUATION)
    if not PHONE_SEARCH.fullmatch(compact):
        return []
    variants = [compact]
    if compact.startswith("+46"):
        variants.append("0" + compact[3:])
    elif compact.startswith("0046"):
        variants += ["+46" + compact[4:], "0" + compact[4:]]
    elif compact.startswith("0"):
        variants.append("+46" + compact[1:])
    return variants


def _search(text: str) -> Any:
    # contains() escapes % and _, so a search is text, never a pattern
    needle = text.lower()
    condition = (
        peewee.fn.LOWER(Contact.email).contains(needle)
        | peewee.fn.LOWER(Contact.first_name).contains(needle)
        | peewee.fn.LOWER(Contact.last_name).contains(needle)
        | peewee.fn.LOWER(Contact.organisation_name).contains(needle)
        | peewee.fn.LOWER(Lead.message).contains(needle)
    )
    for variant in phone_variants(text):
        condition |= _digits_only(Contact.work_phone).contains(variant)
        condition |= _digits_only(Lead.work_phone).contains(variant)
    return condition


def _sort_order(column: str, order: str) -> list[Any]:
    """ORDER BY for one of ``SORT_COLUMNS``; empty values (no owner, no follow-up) always
    last, and the lead id last of all so that pages never overlap."""
    if column not in SORT_COLUMNS or order not in ("asc", "desc"):
        raise ValueError(f"unknown sort {column!r} {order!r}")
    pipeline = peewee.Case(Lead.status, [(s, n) for n, s in enumerate(STATUSES)], len(STATUSES))
    keys: dict[str, list[Any]] = {
        "inkom": [Lead.created_at],
        # the order of the Swedish labels staff read: Fråga, Offert, Visning
        "typ": [peewee.Case(Lead.type, [("question", 0), ("quote", 1), ("demo", 2)], 3)],
        "namn": [peewee.fn.LOWER(Contact.last_name), peewee.fn.LOWER(Contact.first_name)],
        "organisation": [peewee.fn.LOWER(Contact.organisation_name)],
        "status": [pipeline],
        "ansvarig": [peewee.fn.LOWER(User.first_name), peewee.fn.LOWER(User.last_name)],
        "uppfoljning": [Lead.follow_up_on],
    }
    empty_last = {
        "ansvarig": peewee.Case(None, [(Lead.owner.is_null(), 1)], 0),
        "uppfoljning": peewee.Case(None, [(Lead.follow_up_on.is_null(), 1)], 0),
    }
    direction = "asc" if order == "asc" else "desc"
    terms = [getattr(key, direction)() for key in [*keys[column], Lead.created_at, Lead.id]]
    return ([empty_last[column]] if column in empty_last else []) + terms


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    """One line of a lead's history: an event, a note, or the form arriving."""

    at: datetime.datetime
    kind: str  # one of EVENT_KINDS, "note" or "received"
    author: User | None
    detail: dict[str, Any]
    id: int


# the same text by the same person within this long is a double submit, not a second note
DOUBLE_SUBMIT_WINDOW = datetime.timedelta(seconds=60)


@contextlib.contextmanager
def write_transaction(locked: peewee.ModelSelect[Any]) -> Iterator[None]:
    """A transaction in which concurrent writers take turns: SQLite takes its write lock at
    BEGIN (IMMEDIATE); PostgreSQL locks the row(s) of ``locked`` with SELECT ... FOR UPDATE."""
    if isinstance(database.obj, peewee.SqliteDatabase):
        with database.obj.atomic("IMMEDIATE"):
            yield
    else:
        with database.atomic():
            list(locked.for_update())
            yield


class LeadNote(BaseModel):
    lead = peewee.ForeignKeyField(Lead, backref="notes", on_delete="CASCADE")
    lead_id: int
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    author_id: int | None
    text = peewee.TextField()
    created_at = peewee.DateTimeField(default=now)

    @classmethod
    def add(cls, lead: Lead, author_id: int | None, text: str) -> tuple[LeadNote, bool]:
        """Add a note; the same text by the same author just before is a double submit and
        returns that note instead. Returns (note, created)."""
        with write_transaction(Lead.select().where(Lead.id == lead.id)):
            recent = (
                cls.select()
                .where(
                    (cls.lead == lead)
                    & (cls.author == author_id)
                    & (cls.text == text)
                    & (cls.created_at >= now() - DOUBLE_SUBMIT_WINDOW)
                )
                .first()
            )
            if recent is not None:
                return recent, False
            return cls.create(lead=lead, author=author_id, text=text), True


class LeadEvent(BaseModel):
    """One change in a lead's history (the timeline). Written only by the methods that make
    the change, in their transaction; never edited afterwards."""

    lead = peewee.ForeignKeyField(Lead, backref="events", on_delete="CASCADE")
    lead_id: int
    kind = peewee.CharField(max_length=15)  # EVENT_KINDS
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    author_id: int | None
    created_at = peewee.DateTimeField(default=now)
    # e.g. {"from": "ny", "to": "kontaktad"}; owner changes hold user ids, a merge the address
    # and name of the contact that was merged away (see ``erase_events_naming``)
    detail = JSONField(default=dict)

    PERSONAL_DATA = {
        "author": ("staff identity", "who changed the inquiry (its history)"),
        "detail": (
            "identity",
            "the history of the inquiry: a merge keeps the removed contact's address and name, "
            "a follow-up its note",
        ),
    }

    @classmethod
    def record(cls, lead: Lead, kind: str, by: User | None, detail: dict[str, Any]) -> LeadEvent:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        author = getattr(by, "id", None) if by is not None else None
        return cls.create(lead=lead.id, kind=kind, author=author, detail=detail)

    @classmethod
    def naming(cls, address: str) -> list[LeadEvent]:
        """The merge events that name ``address`` (a normalised address) as the contact that
        was merged away."""
        candidates = cls.select().where(
            (cls.kind == "merged") & cls.detail.cast("text").contains(address)
        )
        return [event for event in candidates if event.detail.get("removed_email") == address]

    @classmethod
    def forget_user(cls, user_id: int) -> int:
        """Take a deleted account out of the history: no author, and no owner id in owner
        changes. Returns how many events changed."""
        changed = cls.update(author=None).where(cls.author == user_id).execute()
        for event in cls.select().where(cls.kind == "owner"):
            detail = dict(event.detail)
            if user_id in (detail.get("from"), detail.get("to")):
                for side in ("from", "to"):
                    if detail.get(side) == user_id:
                        detail[side] = None
                cls.update(detail=detail).where(cls.id == event.id).execute()
                changed += 1
        return changed


def register_call(
    submission: str,
    kind: str,
    contact_fields: dict,
    lead_fields: dict,
    *,
    by: User,
    follow_up_on: datetime.date | None = None,
    follow_up_note: str = "",
) -> tuple[Lead, bool]:
    """A lead staff take by phone: the contact (created, or found and updated: ``by`` is
    staff), the lead with source "telefon" and a "created" event, in one transaction.

    ``submission`` is the form's random id, stored as the lead's idempotency key: the same
    form sent twice makes one lead. Returns (lead, created).
    """
    existing = Lead.get_or_none(Lead.idempotency_key == submission)
    if existing is not None:
        return existing, False
    typed = {name: contact_fields.get(name) or "" for name in TYPED_FIELDS}
    try:
        with database.atomic():
            contact = Contact.upsert(**contact_fields, by=by)
            lead = Lead.create(
                contact=contact,
                type=kind,
                idempotency_key=submission,
                source="telefon",
                follow_up_on=follow_up_on,
                follow_up_note=follow_up_note.strip() if follow_up_on else "",
                **typed,
                **lead_fields,
            )
            detail: dict[str, Any] = {"source": "telefon", "owner": lead.owner_id}
            if follow_up_on:
                detail["follow_up_on"] = follow_up_on.isoformat()
            LeadEvent.record(lead, "created", by, detail)
    except peewee.IntegrityError:
        # the same form arrived twice at once: the other request stored it
        return Lead.get(Lead.idempotency_key == submission), False
    return lead, True


def submit_inquiry(
    kind: str,
    submission: str,
    contact_fields: dict,
    lead_fields: dict,
    *,
    by: User | None = None,
) -> tuple[Lead, bool]:
    """Store an inquiry: the contact (created, or updated by its owner or staff ``by``) and
    its lead, which keeps the person fields as typed, in one transaction.

    ``submission`` is the form's one-time id: a double submit finds the lead of the first
    and stores nothing more. Returns (lead, created).
    """
    typed = {name: contact_fields.get(name) or "" for name in TYPED_FIELDS}
    existing = Lead.get_or_none(Lead.idempotency_key == submission)
    if existing is not None:
        return existing, False
    try:
        with database.atomic():
            contact = Contact.upsert(**contact_fields, by=by)
            lead = Lead.create(
                contact=contact, type=kind, idempotency_key=submission, **typed, **lead_fields
            )
    except peewee.IntegrityError:
        # the same submission arrived twice at once: the other request stored it
        return Lead.get(Lead.idempotency_key == submission), False
    return lead, True
