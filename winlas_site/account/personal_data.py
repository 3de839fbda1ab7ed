"""The account feature's part of a person's data rights (P12, P14): retention notices and the
audit log."""

from __future__ import annotations

from ..rights import Counts, Person, Provider, Section, row
from .models import AuditEntry, RetentionNotice


def export(person: Person) -> Section:
    notices = []
    if person.user is not None:
        notices = [
            row(notice, ("deadline", "sent_at"))
            for notice in RetentionNotice.select().where(RetentionNotice.user == person.user)
        ]
    return {
        "retention_notices": notices,
        "audit_log": [
            row(entry, ("at", "action", "actor_role")) for entry in AuditEntry.about(person.address)
        ],
    }


def erase(person: Person) -> Counts:
    """Retention notices go with the account. The audit log is kept, for accountability
    (GDPR art. 5(2)): it names the person only by a keyed digest of the address."""
    if person.user is not None:
        RetentionNotice.delete().where(RetentionNotice.user == person.user).execute()
    return {}


PROVIDER = Provider(
    feature="account",
    sections={"retention_notice": "retention_notices", "audit_entry": "audit_log"},
    export=export,
    erase=erase,
    order=60,
)
