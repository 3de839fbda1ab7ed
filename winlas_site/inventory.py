"""The data inventory (P8): every stored field of personal data, with its category, purpose and
retention, built from the ``PERSONAL_DATA`` each model declares beside its fields.

The data export reads it to know which tables hold a person's data, the privacy tooling shows
it, and ``tests/unit/test_inventory.py`` fails when a model with personal-looking fields (an
email, a name, a phone number, an IP, a visitor id, a link to a user or a contact) declares
nothing, when a personal-data model has no retention rule here, or when no feature provides
its export and erasure (``rights.py``, the ``PROVIDERS`` in ``models.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import peewee

import analytics

from . import rights
from .models import MODELS, PROVIDERS

# Declarations for models whose owners have not put them on the model yet: the same shape as
# ``PERSONAL_DATA``, merged into it. Move an entry onto its model when you next edit it.
SUPPLEMENT: dict[str, dict[str, tuple[str, str]]] = {
    "user_session": {
        "user": ("account link", "keeping a person logged in (authentication, security)"),
    },
    "lead": {
        "contact": ("identity", "answering the inquiry (P11)"),
        "owner": ("staff identity", "who at WinLas handles the inquiry"),
    },
    "lead_note": {
        "text": ("free text", "staff notes on the inquiry, may describe the person (P11)"),
        "author": ("staff identity", "who wrote the note"),
    },
    "subscription": {
        "contact": ("identity", "the subscriber in the customer register, once confirmed"),
    },
    "newsletter_issue": {
        "created_by": ("staff identity", "who wrote the newsletter"),
    },
}

# How long each table keeps what it holds, in words; the settings named here decide the days.
RETENTION: dict[str, str] = {
    "user": (
        "while the account is used; deleted WINLAS_INACTIVE_DAYS (730) days after the last "
        "activity, after a reminder WINLAS_INACTIVITY_REMINDER_DAYS (30) days before"
    ),
    "user_session": (
        "until logout, or WINLAS_SESSION_IDLE_MINUTES without use, or "
        "WINLAS_SESSION_ABSOLUTE_HOURS (WINLAS_REMEMBER_DAYS when remembered)"
    ),
    "consent_record": "WINLAS_CONSENT_RECORD_MONTHS (24) months after the decision",
    "contact": (
        "while a lead, course sign-up, subscription or account uses it; deleted with the last "
        "of them"
    ),
    "lead": "WINLAS_LEAD_RETENTION_DAYS (730) days after the inquiry",
    "lead_note": "with its lead",
    "image": (
        "while the image is in the library; the uploader link is removed when the "
        "uploader's data is erased"
    ),
    "lead_event": (
        "with its lead (WINLAS_LEAD_RETENTION_DAYS); merge events naming an address are "
        "deleted when that person is erased; a deleted account's id is removed from the history"
    ),
    "revision": (
        "kept as the site's edit history; the author's id and name are blanked when the "
        "author's data is erased"
    ),
    "registration": (
        "WINLAS_REGISTRATION_RETENTION_DAYS (730) days after the course or event took place"
    ),
    "registration_seminar": "with its course sign-up",
    "outbox_message": (
        "WINLAS_MAIL_RETENTION_DAYS (90) days after sending; the confirmation of an erasure "
        "only until it is delivered"
    ),
    "subscription": (
        "until erased; an unconfirmed sign-up 30 days; an unsubscription is kept as proof of "
        "the withdrawal"
    ),
    "preference": "while the person keeps choices with us (until erased)",
    "mail_event": "with its subscription",
    "newsletter_issue": "the author link is removed when the author's account is deleted",
    "audit_entry": (
        "kept for accountability (GDPR art. 5(2)); holds only a keyed digest of the address, "
        "never the address"
    ),
    "retention_notice": "with the account",
    "digest_subscription": (
        "while the account exists, switched on or off; deleted with the account"
    ),
    "annotation": (
        "kept as the marketing team's notes on the charts; the author's id is blanked when the "
        "author's data is erased"
    ),
    "saved_view": (
        "kept for the marketing team; the author's id is blanked when the author's data is erased"
    ),
    "visit": "ANALYTICS_RAW_RETENTION_DAYS (425) days; the user link is removed on erasure",
    "event": "ANALYTICS_RAW_RETENTION_DAYS (425) days; the user link is removed on erasure",
    "interest_profile": (
        "until the person objects or is erased, or ANALYTICS_RAW_RETENTION_DAYS after the last "
        "event; scores fade with the configured half-life"
    ),
    "interest_score": "with its interest profile",
    "profile_opt_out": "while the objection stands",
}

# fields whose name says they identify a person; a field named like this must be declared
PERSONAL_NAME = re.compile(
    r"(^|_)(email|first_name|last_name|full_name|phone|work_phone|ip|ip_anonymised|"
    r"visitor_id|user_id|to_address|address)($|_)"
)
PERSON_TABLES = ("user", "contact")


@dataclass(frozen=True)
class Entry:
    """One field of personal data."""

    table: str
    field: str
    category: str
    purpose: str
    retention: str


def all_models() -> list[type[peewee.Model]]:
    """Every model of the site and of analytics."""
    return [*MODELS, *analytics.MODELS]


def declared(model: type[peewee.Model]) -> dict[str, tuple[str, str]]:
    """The model's ``PERSONAL_DATA`` together with what ``SUPPLEMENT`` adds for it."""
    fields = dict(getattr(model, "PERSONAL_DATA", None) or {})
    fields.update(SUPPLEMENT.get(model._meta.table_name, {}))
    return fields


def personal_looking_fields(model: type[peewee.Model]) -> list[str]:
    """Fields that look like personal data by their name or by linking to a person."""
    found = []
    for field in model._meta.sorted_fields:
        links_person = (
            isinstance(field, peewee.ForeignKeyField)
            and field.rel_model._meta.table_name in PERSON_TABLES
        )
        if links_person or PERSONAL_NAME.search(field.name):
            found.append(field.name)
    return found


def personal_models() -> list[type[peewee.Model]]:
    """Models that hold personal data (declared)."""
    return [model for model in all_models() if declared(model)]


def inventory() -> list[Entry]:
    """Every declared field of personal data, table by table."""
    entries = []
    for model in personal_models():
        table = model._meta.table_name
        retention = RETENTION.get(table, "not stated")
        for field, (category, purpose) in declared(model).items():
            entries.append(Entry(table, field, category, purpose, retention))
    return entries


def by_table() -> dict[str, list[Entry]]:
    """The inventory grouped by table, in model order."""
    grouped: dict[str, list[Entry]] = {}
    for entry in inventory():
        grouped.setdefault(entry.table, []).append(entry)
    return grouped


def problems() -> list[str]:
    """What is missing from the inventory; an empty list when it is complete."""
    found = []
    for model in all_models():
        table = model._meta.table_name
        fields = declared(model)
        names = {field.name for field in model._meta.sorted_fields}
        for name in personal_looking_fields(model):
            if name not in fields:
                found.append(f"{table}.{name} looks personal but is not declared")
        for name in fields:
            if name not in names:
                found.append(f"{table}.{name} is declared but is no field")
        if fields and table not in RETENTION:
            found.append(f"{table} holds personal data but has no retention in inventory.py")
    tables = [model._meta.table_name for model in personal_models()]
    return found + rights.problems(PROVIDERS, tables)
