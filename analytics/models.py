"""Visits, events and the count of what was dropped. IPs only ever stored anonymised."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING

import peewee

from .db import BaseModel, rows

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
        ids = [row.last_id for row in newest]  # type: ignore[attr-defined]  # the alias
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

    if TYPE_CHECKING:
        visit_id: int  # peewee's accessor of the foreign key's value

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


# the columns of an event row as both writers build it (analytics.store for the site's
# database, analytics.clickhouse.writer for ClickHouse), in that order
EVENT_COLUMNS = (
    "event_id",
    "visit_id",
    "visitor_id",
    "user_id",
    "type",
    "occurred_at",
    "received_at",
    "path",
    "target",
    "name",
    "engaged_ms",
    "viewport",
)


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


# the advisory lock that orders analytics writers against erasures (any fixed 64-bit number)
ERASURE_LOCK = 0x616E_616C_7974_6963


class ErasureTombstone(BaseModel):
    """A user id or visitor id that was erased, as a keyed digest, until ``expires_at``.

    A line can wait in the spool after its person was erased (accepted 130 ms before, stored
    after): the writer drops lines whose user or browser has a tombstone. Only an HMAC of the
    id is kept, never the id (a user id is a small number, a plain hash would name it), and
    only as long as a line can wait in the spool (``ANALYTICS_TOMBSTONE_DAYS``).
    """

    digest = peewee.CharField(max_length=64, unique=True)
    expires_at = peewee.DateTimeField(index=True)

    # set by init_app from the app's SECRET_KEY; every process of a site shares that key
    key = b""

    class Meta:
        table_name = "erasure_tombstone"

    @classmethod
    def digest_of(cls, kind: str, value: object) -> str:
        return hmac.new(cls.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    @classmethod
    def add(cls, digests: Iterable[str], expires_at: datetime.datetime) -> int:
        """Lay tombstones (a later erasure of the same id pushes its expiry out)."""
        rows = [{"digest": digest, "expires_at": expires_at} for digest in sorted(set(digests))]
        for start in range(0, len(rows), 200):
            (
                cls.insert_many(rows[start : start + 200])
                .on_conflict(conflict_target=[cls.digest], update={cls.expires_at: expires_at})
                .execute()
            )
        return len(rows)

    @classmethod
    def any_laid(cls) -> bool:
        """Whether any tombstone exists: erasures are rare, so the writer asks this one cheap
        question before it computes a digest per line (about a fifth of its time otherwise)."""
        return cls.select(cls.digest).limit(1).exists()

    @classmethod
    def present(cls, digests: Iterable[str]) -> set[str]:
        """Which of ``digests`` have a tombstone (expired ones too, until they are purged)."""
        wanted = sorted(set(digests))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            found.update(
                row[0]
                for row in rows(
                    cls.select(cls.digest)
                    .where(cls.digest.in_(wanted[start : start + 500]))
                    .tuples()
                )
            )
        return found

    @classmethod
    def serialise(cls, erasing: bool) -> None:
        """Within a transaction: order it against erasures (PostgreSQL; a no-op elsewhere).

        A writer whose transaction began before an erasure's commit would not see its
        tombstones and store a line of the person after the erasure. Writers take this lock
        shared, an erasure exclusively until it commits, so a writer either finishes before
        the erasure deletes or reads the tombstones after. SQLite needs nothing: its writers
        hold the database's one write lock from BEGIN IMMEDIATE."""
        database = cls._meta.database.obj
        if isinstance(database, peewee.PostgresqlDatabase):
            function = "pg_advisory_xact_lock" if erasing else "pg_advisory_xact_lock_shared"
            database.execute_sql(f"SELECT {function}(%s)", (ERASURE_LOCK,))

    @classmethod
    def expired(cls, moment: datetime.datetime) -> peewee.ModelDelete:
        return cls.delete().where(cls.expires_at < moment)


from .dashboard_models import DASHBOARD_MODELS  # noqa: E402
from .funnels.models import FUNNEL_MODELS  # noqa: E402
from .profile_models import PROFILE_MODELS  # noqa: E402
from .request_models import REQUEST_MODELS  # noqa: E402
from .rollup_models import ROLLUP_MODELS  # noqa: E402

MODELS = [
    Visit,
    Event,
    DroppedCount,
    ErasureTombstone,
    *ROLLUP_MODELS,
    *PROFILE_MODELS,
    # issue 16: each part adds its models on its own line below
    *REQUEST_MODELS,
    *DASHBOARD_MODELS,
    *FUNNEL_MODELS,
]
