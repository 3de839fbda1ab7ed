"""Visits, events and the count of what was dropped. IPs only ever stored anonymised."""

from __future__ import annotations

import datetime

import peewee

from .db import BaseModel

EVENT_TYPES = ("pageview", "click", "engagement")


class Visit(BaseModel):
    visitor_id = peewee.CharField(max_length=32, index=True)
    user_id = peewee.IntegerField(null=True, index=True)
    started_at = peewee.DateTimeField(index=True)
    last_seen_at = peewee.DateTimeField()
    entry_path = peewee.CharField(max_length=512)
    exit_path = peewee.CharField(max_length=512)
    referrer_source = peewee.CharField(max_length=12, default="direct")
    referrer_host = peewee.CharField(max_length=255, default="")
    utm_source = peewee.CharField(max_length=100, default="")
    utm_medium = peewee.CharField(max_length=100, default="")
    utm_campaign = peewee.CharField(max_length=100, default="")
    utm_term = peewee.CharField(max_length=100, default="")
    utm_content = peewee.CharField(max_length=100, default="")
    ip_anonymised = peewee.CharField(max_length=45, default="")
    country = peewee.CharField(max_length=2, default="")
    region = peewee.CharField(max_length=80, default="")
    city = peewee.CharField(max_length=120, default="")
    browser = peewee.CharField(max_length=50, default="")
    browser_version = peewee.CharField(max_length=20, default="")
    os = peewee.CharField(max_length=50, default="")
    os_version = peewee.CharField(max_length=20, default="")
    device = peewee.CharField(max_length=10, default="")
    screen = peewee.CharField(max_length=20, default="")
    language = peewee.CharField(max_length=100, default="")
    timezone = peewee.CharField(max_length=64, default="")
    platform = peewee.CharField(max_length=50, default="")
    # marketing consent and no objection when the visit was made: may feed a profile (P17)
    profiling = peewee.BooleanField(default=False)

    PERSONAL_DATA = {
        "visitor_id": ("pseudonymous identifier", "statistics; profiling with marketing consent"),
        "user_id": ("account link", "the user's own data export; profiling"),
        "ip_anonymised": ("network (anonymised /24 or /48)", "statistics, security"),
        "country": ("location", "statistics"),
        "region": ("location", "statistics"),
        "city": ("location", "statistics"),
        "browser": ("device", "statistics"),
        "os": ("device", "statistics"),
        "device": ("device", "statistics"),
        "screen": ("device", "statistics"),
        "language": ("device", "statistics"),
        "timezone": ("device", "statistics"),
        "platform": ("device", "statistics"),
        "profiling": ("consent", "whether the visit may feed an interest profile (P17)"),
    }

    @classmethod
    def latest_of(cls, visitor_ids: list[str]) -> dict[str, Visit]:
        """The most recent visit of each visitor, one query for all."""
        if not visitor_ids:
            return {}
        newest = (
            cls.select(cls.visitor_id, peewee.fn.MAX(cls.id).alias("last_id"))
            .where(cls.visitor_id.in_(visitor_ids))
            .group_by(cls.visitor_id)
        )
        ids = [row.last_id for row in newest]
        return {visit.visitor_id: visit for visit in cls.select().where(cls.id.in_(ids))}


class Event(BaseModel):
    event_id = peewee.CharField(max_length=36, unique=True)
    visit = peewee.ForeignKeyField(Visit, backref="events", on_delete="CASCADE")
    visitor_id = peewee.CharField(max_length=32, index=True)
    user_id = peewee.IntegerField(null=True, index=True)
    type = peewee.CharField(max_length=12)
    occurred_at = peewee.DateTimeField(index=True)  # the visitor's clock, clamped to ours
    received_at = peewee.DateTimeField()
    path = peewee.CharField(max_length=512)
    target = peewee.CharField(max_length=512, default="")
    name = peewee.CharField(max_length=200, default="")
    engaged_ms = peewee.IntegerField(default=0)
    viewport = peewee.CharField(max_length=20, default="")

    PERSONAL_DATA = {
        "visitor_id": ("pseudonymous identifier", "statistics; profiling with marketing consent"),
        "user_id": ("account link", "the user's own data export; profiling"),
        "path": ("usage", "statistics, interest profiles"),
        "target": ("usage", "statistics, interest profiles"),
    }

    @classmethod
    def older_than(cls, moment: datetime.datetime) -> peewee.ModelDelete:
        """Raw events past their retention."""
        return cls.delete().where(cls.occurred_at < moment)


class DroppedCount(BaseModel):
    """Requests dropped at ingest (bots), counted per day and reason, never stored as visits."""

    day = peewee.DateField()
    reason = peewee.CharField(max_length=20)
    count = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("day", "reason"), True),)

    @classmethod
    def add(cls, day: datetime.date, reason: str, count: int) -> None:
        """Add ``count`` to the day's tally (an upsert on both SQLite and PostgreSQL)."""
        (
            cls.insert(day=day, reason=reason, count=count)
            .on_conflict(
                conflict_target=[cls.day, cls.reason], update={cls.count: cls.count + count}
            )
            .execute()
        )


from .profile_models import PROFILE_MODELS  # noqa: E402
from .rollup_models import ROLLUP_MODELS  # noqa: E402

MODELS = [Visit, Event, DroppedCount, *ROLLUP_MODELS, *PROFILE_MODELS]
