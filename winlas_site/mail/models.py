"""The outbox: every email the site sends, kept as a row until it is delivered or given up.

A message moves queued → sending → sent, or on a temporary SMTP error to retrying (and back to
sending when its next attempt is due), or on a permanent error (or too many attempts) to failed.
"""

from __future__ import annotations

import base64
import datetime
import json

import peewee
from flask import current_app

from ..clock import now
from ..db import BaseModel, rows
from .transport import outbox_files

KINDS = ("administrative", "marketing")
QUEUED, SENDING, SENT, RETRYING, FAILED = "queued", "sending", "sent", "retrying", "failed"
STATUSES = (QUEUED, SENDING, SENT, RETRYING, FAILED)

# a queued message is normally delivered within seconds; only after this long does the periodic
# check assume its task was lost and enqueue it again.
QUEUED_GRACE = datetime.timedelta(minutes=2)
# a message stays "sending" at most this long (SMTP timeouts are seconds): after that the worker
# is taken to have died mid-send, and the message is tried again.
SENDING_LEASE = datetime.timedelta(minutes=15)
# ids per DELETE ... IN (...): well below SQLite's limit of bound parameters
DELETE_BATCH = 500


class OutboxMessage(BaseModel):
    kind = peewee.CharField(max_length=15)  # administrative | marketing (P21)
    to_address = peewee.CharField(max_length=254)
    subject = peewee.CharField(max_length=255)
    body_text = peewee.TextField()
    body_html = peewee.TextField(default="")
    headers = peewee.TextField(default="{}")  # extra headers as a JSON object
    # files sent along (a calendar entry): a JSON list of {filename, content_type, data}, the
    # data base64-encoded, so a retry sends exactly what was queued
    attachments = peewee.TextField(default="[]")
    related = peewee.CharField(max_length=50, default="", index=True)  # e.g. "lead:12"
    language = peewee.CharField(max_length=5, default="sv")
    message_id = peewee.CharField(max_length=255)  # the same Message-ID on every attempt
    status = peewee.CharField(max_length=10, default=QUEUED, index=True)
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.CharField(max_length=500, default="")
    created_at = peewee.DateTimeField(default=now, index=True)
    next_attempt_at = peewee.DateTimeField(default=now, index=True)
    sent_at = peewee.DateTimeField(null=True)

    PERSONAL_DATA = {
        "to_address": ("contact", "sending administrative or marketing email"),
        "subject": ("communication", "sending email (may hold the recipient's name)"),
        "body_text": ("communication", "sending email (the content of the message)"),
        "body_html": ("communication", "sending email (the content of the message)"),
        "headers": ("communication", "sending email (e.g. Reply-To, unsubscribe link)"),
        "attachments": ("communication", "sending email (e.g. a calendar entry of a course)"),
    }

    class Meta:
        table_name = "outbox_message"

    def header_items(self) -> list[tuple[str, str]]:
        """The extra headers, in the order the caller gave them."""
        return list(json.loads(self.headers or "{}").items())

    def attachment_items(self) -> list[tuple[str, str, bytes]]:
        """The attached files as (filename, content type, bytes), in the order given."""
        return [
            (item["filename"], item["content_type"], base64.b64decode(item["data"]))
            for item in json.loads(self.attachments or "[]")
        ]

    @classmethod
    def claim(cls, message_id: int, at: datetime.datetime) -> bool:
        """Mark the message sending if it may be sent now; False when another worker has it,
        it is already sent or failed, or its retry is not due yet (a duplicate task)."""
        due_retry = (cls.status == RETRYING) & (cls.next_attempt_at <= at)
        return bool(
            cls.update(status=SENDING, next_attempt_at=at + SENDING_LEASE)
            .where((cls.id == message_id) & ((cls.status == QUEUED) | due_retry))
            .execute()
        )

    def mark_sent(self, at: datetime.datetime) -> None:
        """Delivered: handed to the SMTP server (or written to the development outbox)."""
        self._finish(status=SENT, sent_at=at, attempts=self.attempts + 1, last_error="")

    def mark_retrying(self, error: str, at: datetime.datetime) -> None:
        """A temporary failure: try again at ``at``."""
        self._finish(
            status=RETRYING, attempts=self.attempts + 1, last_error=error[:500], next_attempt_at=at
        )

    def mark_failed(self, error: str) -> None:
        """A permanent failure: stays failed until someone retries it by hand."""
        self._finish(status=FAILED, attempts=self.attempts + 1, last_error=error[:500])

    def _finish(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        # only the sending row this worker claimed: a stale worker never overwrites a newer state
        type(self).update(**fields).where(
            (type(self).id == self.id) & (type(self).status == SENDING)
        ).execute()

    def reset_for_retry(self, at: datetime.datetime) -> None:
        """Queue a failed (or waiting) message again with a fresh set of attempts."""
        self.status, self.attempts, self.next_attempt_at = QUEUED, 0, at
        self.save(only=[type(self).status, type(self).attempts, type(self).next_attempt_at])

    @classmethod
    def due(cls, at: datetime.datetime) -> peewee.ModelSelect[OutboxMessage]:
        """Messages whose delivery task should run now but may have been lost."""
        return cls.select().where(
            ((cls.status == QUEUED) & (cls.next_attempt_at <= at - QUEUED_GRACE))
            | ((cls.status.in_((RETRYING, SENDING))) & (cls.next_attempt_at <= at))
        )

    @classmethod
    def counts_by_status(cls) -> dict[str, int]:
        """How many messages are in each status (every status listed, zeros included)."""
        counts = dict.fromkeys(STATUSES, 0)
        query = cls.select(cls.status, peewee.fn.COUNT(cls.id).alias("n")).group_by(cls.status)
        for row in rows(query.tuples()):
            counts[row[0]] = row[1]
        return counts

    @classmethod
    def failed(cls) -> peewee.ModelSelect[OutboxMessage]:
        """Failed messages, newest first: what staff must look at."""
        return cls.select().where(cls.status == FAILED).order_by(cls.created_at.desc())

    @classmethod
    def for_related(cls, related: str) -> peewee.ModelSelect[OutboxMessage]:
        """The messages sent about one thing, e.g. ``"lead:12"``, oldest first."""
        return cls.select().where(cls.related == related).order_by(cls.created_at, cls.id)

    @classmethod
    def purge(cls, before: datetime.datetime) -> int:
        """Delete sent and failed messages created before ``before``; return how many."""
        return cls.delete_with_files(cls.status.in_((SENT, FAILED)) & (cls.created_at < before))

    @classmethod
    def delete_with_files(cls, condition: peewee.Expression) -> int:
        """Delete the rows matching ``condition`` and their .eml files in the development
        outbox folder (a copy of the message, the address included); return the rows deleted.
        """
        found = list(cls.select(cls.id, cls.message_id, cls.created_at).where(condition))
        if not found:
            return 0
        outbox_files(current_app.instance_path).remove(found)
        deleted = 0
        for start in range(0, len(found), DELETE_BATCH):
            batch = [row.id for row in found[start : start + DELETE_BATCH]]
            deleted += cls.delete().where(cls.id.in_(batch)).execute()
        return deleted
