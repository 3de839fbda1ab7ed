"""The outbox's part of a person's data rights (P12, P14): every email to or about the person,
and the development outbox's files of them."""

from __future__ import annotations

import peewee
from flask import current_app

from ..rights import Counts, Person, Provider, Section, row
from .models import OutboxMessage
from .transport import envelope_address, outbox_files

FIELDS = ("kind", "to_address", "subject", "body_text", "status", "created_at", "sent_at")


def _outbox(person: Person) -> peewee.ModelSelect[OutboxMessage]:
    """Emails to the address, mentioning it (staff notifications, Reply-To), or filed under
    the person's leads, sign-ups, subscription and account (``Person.mail_keys``)."""
    address = person.address
    condition = (
        (OutboxMessage.to_address == address)
        | OutboxMessage.body_text.contains(address)
        | OutboxMessage.body_html.contains(address)
        | OutboxMessage.subject.contains(address)
        | OutboxMessage.headers.contains(address)
    )
    if person.mail_keys:
        condition |= OutboxMessage.related.in_(list(person.mail_keys))
    return OutboxMessage.select().where(condition).order_by(OutboxMessage.created_at)


def export(person: Person) -> Section:
    return {"emails": [row(message, FIELDS) for message in _outbox(person)]}


def erase(person: Person) -> Counts:
    ids = [message.id for message in _outbox(person)]
    return {
        "outbox_message": (OutboxMessage.delete_with_files(OutboxMessage.id.in_(ids)) if ids else 0)
    }


def forget_files(person: Person) -> Counts:
    """Development outbox files that still mention the address once its rows are gone
    (written under an older name, or kept after their row was purged)."""
    address = person.address
    removed = outbox_files(current_app.instance_path).remove_mentioning(
        address, envelope_address(address)
    )
    return {"outbox_files": removed}


PROVIDER = Provider(
    feature="mail",
    sections={"outbox_message": "emails"},
    export=export,
    erase=erase,
    order=20,
    cleanup=forget_files,
)
