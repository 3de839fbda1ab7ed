"""The CRM: contacts (one per mailbox), their leads, and staff notes on leads."""

from __future__ import annotations

import contextlib
import datetime
import unicodedata

import peewee

from ..auth.models import Organisation, User, now
from ..db import BaseModel, database

LEAD_TYPES = ("question", "quote", "demo")
STATUSES = ("ny", "kontaktad", "kvalificerad", "vunnen", "forlorad")
ORGANISATION_TYPES = ("school", "municipal_library", "agency", "company")


def normalise_address(email: str) -> str:
    """One mailbox, one contact: trimmed, NFKC-folded, lower-cased.

    NFKC folds fullwidth letters to ASCII; it does not turn a Cyrillic "а" into a Latin "a", so
    a look-alike address stays a different contact. "+tags" are kept: they reach the same
    mailbox on some providers only, and merging strangers is worse than a duplicate.
    """
    return unicodedata.normalize("NFKC", email).strip().lower()


class Contact(BaseModel):
    email = peewee.CharField(max_length=254, unique=True)
    first_name = peewee.CharField(max_length=100)
    last_name = peewee.CharField(max_length=100)
    organisation_name = peewee.CharField(max_length=200, default="")
    organisation = peewee.ForeignKeyField(Organisation, null=True, backref="contacts")
    work_phone = peewee.CharField(max_length=40, default="")
    products_of_interest = peewee.TextField(default="")  # one product slug per line
    created_at = peewee.DateTimeField(default=now)
    updated_at = peewee.DateTimeField(default=now)

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
    def upsert(cls, email: str, **fields) -> Contact:
        """The contact of this address, created or updated with the fields given (never by
        cookie: school and library computers are shared)."""
        address = normalise_address(email)
        contact = cls.get_or_none(cls.email == address)
        if contact is None:
            return cls.create(email=address, **fields)
        for name, value in fields.items():
            if value not in (None, ""):
                setattr(contact, name, value)
        contact.updated_at = now()
        contact.save()
        return contact


class Lead(BaseModel):
    contact = peewee.ForeignKeyField(Contact, backref="leads", on_delete="CASCADE")
    type = peewee.CharField(max_length=10)  # question | quote | demo
    status = peewee.CharField(max_length=15, default="ny")
    owner = peewee.ForeignKeyField(User, null=True, backref="leads_owned", on_delete="SET NULL")
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

    PERSONAL_DATA = {
        "message": ("free text", "answer the inquiry (P11)"),
        "preferred_times": ("free text", "arrange the demo"),
        "marketing_consent": ("consent", "marketing (P18)"),
    }

    @classmethod
    def listing(
        cls, type: str = "", status: str = "", owner: int | None = None, search: str = ""
    ) -> peewee.ModelSelect:
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


# the same text by the same person within this long is a double submit, not a second note
DOUBLE_SUBMIT_WINDOW = datetime.timedelta(seconds=60)


@contextlib.contextmanager
def write_transaction(locked: peewee.ModelSelect):
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
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
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
    kind: str, submission: str, contact_fields: dict, lead_fields: dict
) -> tuple[Lead, bool]:
    """Store an inquiry: the contact (created or updated) and its lead, in one transaction.

    ``submission`` is the form's one-time id: a double submit finds the lead of the first
    and stores nothing more. Returns (lead, created).
    """
    from ..db import database

    existing = Lead.get_or_none(Lead.idempotency_key == submission)
    if existing is not None:
        return existing, False
    try:
        with database.atomic():
            contact = Contact.upsert(**contact_fields)
            lead = Lead.create(
                contact=contact, type=kind, idempotency_key=submission, **lead_fields
            )
    except peewee.IntegrityError:
        # the same submission arrived twice at once: the other request stored it
        return Lead.get(Lead.idempotency_key == submission), False
    return lead, True
