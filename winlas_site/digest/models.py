"""Who receives the weekly digest, in which language, and the last week they were sent."""

from __future__ import annotations

import datetime
import secrets

import peewee

from ..auth.models import User
from ..clock import now
from ..db import BaseModel
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES

# the roles that may receive the digest (admin holds every role): the dashboard's readers
READER_ROLES = ("marketer",)


def new_key() -> str:
    return secrets.token_urlsafe(12)


class DigestSubscription(BaseModel):
    """One marketer's or admin's choice about the weekly digest.

    ``key`` is a random value the unsubscribe link carries beside the row id, so a link cannot
    be made for a row by guessing its id (it is not personal: it says nothing about anyone).
    ``last_sent_week`` is the sent-log: the Monday of the last week mailed to this reader,
    claimed with one UPDATE before the mail is queued, so a doubled or restarted run never
    mails a week twice.
    """

    # one row per person: unique
    user = peewee.ForeignKeyField(
        User, backref="digest_subscriptions", on_delete="CASCADE", unique=True
    )
    user_id: int
    active = peewee.BooleanField(default=True)
    language = peewee.CharField(max_length=2, default=DEFAULT_LANGUAGE)
    key = peewee.CharField(max_length=32, default=new_key)
    created_at = peewee.DateTimeField(default=now)
    updated_at = peewee.DateTimeField(default=now)
    last_sent_week = peewee.DateField(null=True)

    PERSONAL_DATA = {
        "user": ("account link", "sending the weekly digest the person asked for"),
        "active": ("preference", "sending the weekly digest the person asked for"),
        "language": ("preference", "writing the weekly digest in the person's language"),
        "last_sent_week": ("usage", "sending each week's digest once"),
    }

    class Meta:
        table_name = "digest_subscription"

    @classmethod
    def of(cls, user: User) -> DigestSubscription | None:
        return cls.get_or_none(cls.user == user.id)

    @classmethod
    def choose(cls, user: User, active: bool, language: str) -> DigestSubscription:
        """Turn the digest on or off for ``user`` in ``language``; returns the saved row."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        subscription = cls.of(user)
        if subscription is None:
            return cls.create(user=user, active=active, language=language)
        subscription.active, subscription.language = active, language
        subscription.updated_at = now()
        subscription.save()
        return subscription

    def stop(self) -> None:
        """Turn the digest off (the unsubscribe link)."""
        type(self).update(active=False, updated_at=now()).where(type(self).id == self.id).execute()
        self.active = False

    @classmethod
    def readers(cls) -> list[DigestSubscription]:
        """The active subscriptions of active marketers and admins, oldest first; a reader
        who lost the role keeps the row but gets no mail."""
        return list(
            cls.select(cls, User)
            .join(User)
            .where(
                cls.active
                & User.active
                & User.email_confirmed_at.is_null(False)
                & User.role.in_([*READER_ROLES, "admin"])
            )
            .order_by(cls.id)
        )

    def claim_week(self, monday: datetime.date) -> bool:
        """Record that the week of ``monday`` is sent to this reader; False when it (or a later
        week) was already: one UPDATE, so two runs at the same time never both win."""
        model = type(self)
        claimed = (
            model.update(last_sent_week=monday)
            .where(
                (model.id == self.id)
                & model.active
                & (model.last_sent_week.is_null() | (model.last_sent_week < monday))
            )
            .execute()
        )
        if claimed:
            self.last_sent_week = monday
        return bool(claimed)
