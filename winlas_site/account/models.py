"""Models of the account and data-protection features: the audit log and retention notices."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json

import peewee
from flask import current_app

from ..auth.models import User
from ..clock import now
from ..db import BaseModel
from ..leads.models import normalise_address

# what an audit entry records; "retention" is the daily job's summary
ACTIONS = (
    "lookup",
    "export",
    "erase",
    "objection",
    "self_export",
    "self_erase",
    "self_objection",
    "keep_account",
    "retention_erase",
    "retention",
)


class AppendOnly(Exception):
    """An audit entry was to be changed or deleted: the log only grows."""


def subject_digest(email: str) -> str:
    """A keyed digest (HMAC-SHA256 with SECRET_KEY) of a normalised address.

    The audit log names a person by this, never by the address: after an erasure nothing in
    the database reads as the address, yet the DPO who is asked about an address can still
    find its entries by computing the digest again. Keyed, so a copy of the table cannot be
    reversed with a list of likely addresses.
    """
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, normalise_address(email).encode(), hashlib.sha256).hexdigest()


class AuditEntry(BaseModel):
    """One action on personal data: who, what, when, for whom. Rows are never changed."""

    at = peewee.DateTimeField(default=now, index=True)
    # the acting user's id and role at the time (no foreign key: the entry outlives accounts);
    # None for the system (the retention job)
    actor_id = peewee.IntegerField(null=True)
    actor_role = peewee.CharField(max_length=10, default="system")
    action = peewee.CharField(max_length=20)
    subject_digest = peewee.CharField(max_length=64, default="", index=True)
    # counts and flags only, never an address or a name
    details = peewee.TextField(default="{}")

    PERSONAL_DATA = {
        "actor_id": ("staff identity", "accountability for actions on personal data (P16)"),
        "subject_digest": ("pseudonymous identifier", "accountability: whose data was acted on"),
        "at": ("activity", "accountability for actions on personal data (P16)"),
    }

    class Meta:
        table_name = "audit_entry"

    def save(self, *args, **kwargs):
        if self.id is not None and not kwargs.get("force_insert"):
            raise AppendOnly("audit entries are never changed")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise AppendOnly("audit entries are never deleted")

    @classmethod
    def record(
        cls,
        action: str,
        *,
        actor: User | None = None,
        email: str = "",
        details: dict | None = None,
    ) -> AuditEntry:
        """Append an entry; ``email`` is stored only as its keyed digest."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        return cls.create(
            action=action,
            actor_id=actor.id if actor is not None else None,
            actor_role=actor.role if actor is not None else "system",
            subject_digest=subject_digest(email) if email else "",
            details=json.dumps(details or {}, sort_keys=True, default=str),
        )

    @classmethod
    def newest_first(cls) -> peewee.ModelSelect[AuditEntry]:
        return cls.select().order_by(cls.at.desc(), cls.id.desc())

    @classmethod
    def about(cls, email: str) -> peewee.ModelSelect[AuditEntry]:
        """The entries about one address, oldest first."""
        return (
            cls.select().where(cls.subject_digest == subject_digest(email)).order_by(cls.at, cls.id)
        )

    def details_dict(self) -> dict:
        try:
            value = json.loads(self.details or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def details_text(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in sorted(self.details_dict().items()))


class RetentionNotice(BaseModel):
    """A reminder sent before an account is deleted for inactivity (P10).

    One row per user and inactivity deadline: the daily job sends one reminder for a deadline,
    however often it runs; activity moves the deadline, and a later one gets its own reminder.
    """

    user = peewee.ForeignKeyField(User, backref="retention_notices", on_delete="CASCADE")
    user_id: int
    deadline = peewee.DateTimeField()
    sent_at = peewee.DateTimeField(default=now)

    PERSONAL_DATA = {
        "user": ("account link", "reminding before deletion for inactivity (P10)"),
        "deadline": ("usage", "reminding before deletion for inactivity (P10)"),
        "sent_at": ("usage", "reminding before deletion for inactivity (P10)"),
    }

    class Meta:
        table_name = "retention_notice"
        indexes = ((("user", "deadline"), True),)

    @classmethod
    def sent_for(cls, user: User, deadline: datetime.datetime) -> RetentionNotice | None:
        return cls.get_or_none((cls.user == user) & (cls.deadline == deadline))


ACCOUNT_MODELS: list = [AuditEntry, RetentionNotice]
