"""The CRM: contacts (one per mailbox), their leads, and staff notes on leads."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from typing import Any

import peewee

from .. import addresses
from ..auth.models import Organisation, User
from ..clock import now
from ..db import BaseModel, database

LEAD_TYPES = ("question", "quote", "demo")
STATUSES = ("ny", "kontaktad", "kvalificerad", "vunnen", "forlorad")
ORGANISATION_TYPES = ("school", "municipal_library", "agency", "company")


# the lookup key of the one address rule (``addresses``: case, IDNA domains, look-alikes,
# +tags), under the name the CRM's neighbours import. Contacts are stored by ``canonical``.
normalise_address = addresses.normalise

# the person fields of a contact that a form also copies onto the lead, as typed
TYPED_FIELDS = ("first_name", "last_name", "organisation_name", "work_phone")


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
    # backref of LeadNote.lead
    notes: peewee.ModelSelect[LeadNote]

    PERSONAL_DATA = {
        "first_name": ("identity", "answer the inquiry (P11), as typed in the form"),
        "last_name": ("identity", "answer the inquiry (P11), as typed in the form"),
        "organisation_name": ("affiliation", "answer the inquiry (P11), as typed in the form"),
        "work_phone": ("contact", "answer the inquiry (P11), as typed in the form"),
        "message": ("free text", "answer the inquiry (P11)"),
        "preferred_times": ("free text", "arrange the demo"),
        "marketing_consent": ("consent", "marketing (P18)"),
    }

    @classmethod
    def listing(
        cls, type: str = "", status: str = "", owner: int | None = None, search: str = ""
    ) -> peewee.ModelSelect[Lead]:
        """The staff list: newest first, narrowed by the filters given."""
        query = (
            cls.select(cls, Contact, User)
            .join(Contact)
            .switch(cls)
            .join(User, peewee.JOIN.LEFT_OUTER, on=(cls.owner == User.id))
            .order_by(cls.created_at.desc(), cls.id.desc())
        )
        if type:
            query = query.where(cls.type == type)
        if status:
            query = query.where(cls.status == status)
        if owner:
            query = query.where(cls.owner == owner)
        if search:
            # contains() escapes % and _, so a search is text, never a pattern
            needle = search.lower()
            query = query.where(
                peewee.fn.LOWER(Contact.email).contains(needle)
                | peewee.fn.LOWER(Contact.first_name).contains(needle)
                | peewee.fn.LOWER(Contact.last_name).contains(needle)
                | peewee.fn.LOWER(Contact.organisation_name).contains(needle)
            )
        return query

    def product_list(self) -> list[str]:
        return [line for line in self.products.splitlines() if line]

    def typed_differs(self) -> bool:
        """True when the person fields typed into this form differ from the contact's."""
        contact = self.contact
        return any(
            getattr(self, name) and getattr(self, name) != getattr(contact, name)
            for name in TYPED_FIELDS
        )


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
