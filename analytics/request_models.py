"""The count of page requests per UTC day and path: what every visitor asked for, with nothing
about who asked.

A row is a day, a path and a number, and nothing else: no visitor id, no cookie, no address,
no user agent, not even the hour. ``analytics.requestcount`` adds to it in batches; the
dashboard compares it with the page views measured with consent (``requestcount.coverage``).
It is not personal data, so it has no retention rule and is kept like the rollups.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import peewee

from .db import BaseModel

# rows per INSERT: bounds a statement's size (a batch holds a few hundred paths at most)
PAGE_ROWS = 500


class PageRequestCount(BaseModel):
    """Requests for the public page ``path`` answered 200 on the UTC ``day``, bots left out."""

    day = peewee.DateField()
    path = peewee.CharField(max_length=512)
    count = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "page_request_count"
        indexes = ((("day", "path"), True),)

    @classmethod
    def add(
        cls, tallies: Mapping[tuple[datetime.date, str], int], database: peewee.Database
    ) -> int:
        """Add each ``(day, path): count`` to its row in one transaction of ``database`` (an
        upsert on SQLite and PostgreSQL, like ``DroppedCount.add``); returns the requests added.

        ``database`` is named, not taken from the model's binding: a batch is written by a
        thread of the app that counted it, whatever the global binding points to by then."""
        rows = [
            {"day": day, "path": path, "count": count}
            for (day, path), count in sorted(tallies.items())
            if count > 0
        ]
        with database.atomic():
            for start in range(0, len(rows), PAGE_ROWS):
                (
                    cls.insert_many(rows[start : start + PAGE_ROWS])
                    .on_conflict(
                        conflict_target=[cls.day, cls.path],
                        update={cls.count: cls.count + peewee.EXCLUDED.count},
                    )
                    # no RETURNING: peewee would decide it from the model's global binding
                    # (another database, or PostgreSQL's dialect on SQLite), not ``database``
                    .returning()
                    .execute(database)
                )
        return sum(count for count in tallies.values() if count > 0)

    @classmethod
    def first_day(cls) -> datetime.date | None:
        """The first day anything was counted (the counter's start), None before that."""
        value: object = cls.select(peewee.fn.MIN(cls.day)).scalar()
        if isinstance(value, str):  # SQLite gives the aggregate's date back as text
            return datetime.date.fromisoformat(value[:10])
        if isinstance(value, datetime.datetime):  # a driver that answers a timestamp
            return value.date()
        return value if isinstance(value, datetime.date) else None

    @classmethod
    def total(cls, first: datetime.date, last: datetime.date, path: str = "") -> int:
        """The requests counted from ``first`` to ``last`` (inclusive), of ``path`` or all."""
        query = cls.select(peewee.fn.COALESCE(peewee.fn.SUM(cls.count), 0)).where(
            (cls.day >= first) & (cls.day <= last)
        )
        if path:
            query = query.where(cls.path == path)
        return int(query.scalar() or 0)


REQUEST_MODELS = [PageRequestCount]
