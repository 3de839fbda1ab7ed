"""Proof of consent (GDPR art. 7(1)): one row per decision a visitor makes."""

from __future__ import annotations

import datetime

import peewee

from ..clock import now
from ..db import BaseModel, rows

ACTIONS = ("accept_all", "reject_all", "custom", "withdraw", "gpc")


class ConsentRecord(BaseModel):
    consent_id = peewee.CharField(max_length=32, index=True)
    created_at = peewee.DateTimeField(default=now, index=True)  # server time, UTC
    action = peewee.CharField(max_length=12)
    statistics = peewee.BooleanField()
    marketing = peewee.BooleanField()
    gpc = peewee.BooleanField(default=False)
    revision = peewee.IntegerField()
    # SHA-256 of the banner texts and the cookie registry the visitor was shown
    texts_sha256 = peewee.CharField(max_length=64)
    language = peewee.CharField(max_length=5)
    path = peewee.CharField(max_length=200)
    ua_family = peewee.CharField(max_length=50)

    # no IP address and no full user agent: the proof needs neither.
    PERSONAL_DATA = {
        "consent_id": ("pseudonymous identifier", "proof of consent"),
        "ua_family": ("device", "proof of consent"),
        "path": ("usage", "proof of consent"),
    }

    @classmethod
    def history(cls, consent_id: str) -> peewee.ModelSelect[ConsentRecord]:
        """Every decision made under one consent id, oldest first."""
        return cls.select().where(cls.consent_id == consent_id).order_by(cls.created_at, cls.id)

    @classmethod
    def daily_counts(
        cls, start: datetime.date, end: datetime.date
    ) -> dict[datetime.date, dict[str, int]]:
        """{day: {action: count}} for decisions made from ``start`` up to and including ``end``."""
        day = peewee.fn.DATE(cls.created_at)
        query = (
            cls.select(day.alias("day"), cls.action, peewee.fn.COUNT(cls.id).alias("n"))
            .where(
                cls.created_at >= datetime.datetime.combine(start, datetime.time.min),
                cls.created_at
                < datetime.datetime.combine(end, datetime.time.min) + datetime.timedelta(days=1),
            )
            .group_by(day, cls.action)
            .order_by(day)
            .tuples()
        )
        counts: dict[datetime.date, dict[str, int]] = {}
        for found_day, action, n in rows(query):
            # the drivers answer DATE() as text, a date or a datetime
            if isinstance(found_day, str):
                found_day = datetime.date.fromisoformat(found_day[:10])
            elif isinstance(found_day, datetime.datetime):
                found_day = found_day.date()
            counts.setdefault(found_day, {})[action] = n
        return counts

    @classmethod
    def purge(cls, older_than: datetime.datetime) -> int:
        """Delete proofs older than the retention; returns how many."""
        return cls.delete().where(cls.created_at < older_than).execute()
