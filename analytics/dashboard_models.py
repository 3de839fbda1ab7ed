"""What marketers keep on the dashboard: dated notes on the time charts and saved views.

Both are shared by every marketer (they are the team's, not one person's): an ``Annotation``
dates something that explains a curve ("Kampanj skolbibliotek startar"), a ``SavedView`` keeps
a period and filters under a name. ``created_by`` is the host's user id, a plain integer (no
foreign key: analytics never names the site's tables); it links a member of staff, so it is
declared as personal data and blanked when that person's data is erased (``forget_author``).

The rules of what may be stored live here, so the forms, the demo loader and anything else
that writes a row check the same thing. The query of a saved view is validated by the
dashboard's own parser before it gets here (``dashboard.views.views``). This module imports
neither the reports nor the dashboard package (whose ``__init__`` loads the views, and with
them the reports), so ``analytics.models`` can list these models without an import cycle:
hence ``dashboard_models.py`` beside ``profile_models.py``, not ``dashboard/models.py``.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from typing import Any

import peewee

from . import clock
from .db import BaseModel

ANNOTATION_MAX_LENGTH = 200
VIEW_NAME_MAX_LENGTH = 100
# the query of a saved view as the dashboard encodes it: six filters of at most 512 characters,
# each percent-encoded to at most 12 (a four-byte character is %F0%9F%98%80), plus the period
VIEW_QUERY_MAX_LENGTH = 6 * 512 * 12 + 100
# a note may look back as far as the statistics can (12 months, a custom period of two years,
# and some room for history) and ahead to a planned campaign
EARLIEST_DAYS_BACK = 5 * 366
LATEST_DAYS_AHEAD = 366
# bidirectional overrides and isolates: invisible, and they turn the text after them around
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class Invalid(ValueError):
    """A value the rules refuse; ``reason`` says which rule (the forms word it)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class DuplicateName(Exception):
    """Another saved view has this name already."""


def has_control_characters(text: str) -> bool:
    """True for C0/C1 controls (NUL above all: PostgreSQL refuses it), DEL and the invisible
    bidirectional controls; a note is one line of plain text."""
    return any(unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS for ch in text)


def clean_text(text: str, max_length: int) -> str:
    """``text`` stripped of surrounding spaces; Invalid when empty, too long or with controls."""
    text = (text or "").strip()
    if not text:
        raise Invalid("empty")
    if len(text) > max_length:
        raise Invalid("too_long")
    if has_control_characters(text):
        raise Invalid("control")
    return text


def day_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day a note may be dated, seen from ``today``."""
    return (
        today - datetime.timedelta(days=EARLIEST_DAYS_BACK),
        today + datetime.timedelta(days=LATEST_DAYS_AHEAD),
    )


# the dates a Python date can hold (see ``Annotation.fetchable``)
FIRST_DAY, LAST_DAY = datetime.date.min, datetime.date.max


def stored_text(value: object) -> str:
    """A stored date or time in ISO form; a value written by hand that is none (SQLite hands
    such a text back unconverted) as the text it is."""
    if isinstance(value, datetime.date):  # a datetime too
        return value.isoformat()
    return "" if value is None else str(value)


def minute_text(value: object) -> str:
    """A stored time to the minute, as the lists print it ("2026-11-20 12:00")."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return stored_text(value)


def check_day(day: datetime.date, today: datetime.date) -> datetime.date:
    first, last = day_range(today)
    if not first <= day <= last:
        raise Invalid("day_range")
    return day


class Annotation(BaseModel):
    """A dated note on every time chart of the dashboard and in its time-series table."""

    day = peewee.DateField(index=True)
    text = peewee.CharField(max_length=ANNOTATION_MAX_LENGTH)
    created_by = peewee.IntegerField(null=True, index=True)
    created_at = peewee.DateTimeField()

    PERSONAL_DATA = {
        "created_by": ("staff identity", "who wrote the note on the statistics"),
    }

    @classmethod
    def add(cls, day: datetime.date, text: str, created_by: int | None) -> Annotation:
        """Store a note after checking it (Invalid when a rule refuses it)."""
        moment = clock.now()
        return cls.create(
            day=check_day(day, moment.date()),
            text=clean_text(text, ANNOTATION_MAX_LENGTH),
            created_by=created_by,
            created_at=moment,
        )

    @property
    def dated(self) -> bool:
        """Whether the stored day is a date (a row written by hand on SQLite may hold any
        text there, "2026-02-30" say): only such a note goes on a chart."""
        return isinstance(self.day, datetime.date)

    @property
    def day_text(self) -> str:
        return stored_text(self.day)

    @property
    def created_text(self) -> str:
        return minute_text(self.created_at)

    @classmethod
    def between(cls, first: datetime.date, last: datetime.date) -> list[Annotation]:
        """The notes dated ``first`` to ``last`` inclusive, in date order (one query); a stored
        day that is no date is left out (SQLite compares it as text and could let it in)."""
        found = cls.select().where((cls.day >= first) & (cls.day <= last)).order_by(cls.day, cls.id)
        return [note for note in found if note.dated]

    @classmethod
    def fetchable(cls) -> peewee.Expression:
        """The notes whose day a Python date can hold: PostgreSQL keeps wider ones
        ("infinity", year 10000), and the driver fails on fetching such a row."""
        return (cls.day >= FIRST_DAY) & (cls.day <= LAST_DAY)

    @classmethod
    def newest_first(cls, limit: int | None = None) -> list[Annotation]:
        """Every note, latest day first (but those ``fetchable`` leaves out)."""
        query = cls.select().where(cls.fetchable()).order_by(cls.day.desc(), cls.id.desc())
        return list(query.limit(limit) if limit else query)

    @classmethod
    def demo(cls, today: datetime.date, created_by: int | None = None) -> int:
        """A few believable notes for the demo site, dated from ``today`` backwards so they
        fall inside the synthetic traffic's window (its campaigns run through the last months;
        these say when they began). Adds only the ones not there yet; returns how many."""
        notes = [
            (60, "Kampanj skolbibliotek startar (Facebook)"),
            (45, "Google Ads: kampanjen bibliotekssystem startar"),
            (21, "LinkedIn-annonser för Användardagarna 2027"),
            (9, "Mässa: Skolbiblioteksdagarna i Göteborg"),
            (2, "Ny startsida publicerad"),
        ]
        added = 0
        for days_back, text in notes:
            day = today - datetime.timedelta(days=days_back)
            if not cls.select().where((cls.day == day) & (cls.text == text)).exists():
                cls.add(day, text, created_by)
                added += 1
        return added


class SavedView(BaseModel):
    """A period and filters under a name, opened with one click by any marketer.

    ``query`` is the dashboard's own query string for it (``Selection.query`` of a parsed and
    validated selection, URL-encoded), so opening it is a redirect to the dashboard with it and
    a view can never hold something the dashboard would refuse."""

    name = peewee.CharField(max_length=VIEW_NAME_MAX_LENGTH, unique=True)
    query = peewee.TextField()
    created_by = peewee.IntegerField(null=True, index=True)
    created_at = peewee.DateTimeField()

    PERSONAL_DATA = {
        "created_by": ("staff identity", "who saved the view of the statistics"),
    }

    @classmethod
    def save_as(cls, name: str, query: str, created_by: int | None) -> SavedView:
        """Store a view (Invalid for a bad name, DuplicateName for a name in use)."""
        name = clean_text(name, VIEW_NAME_MAX_LENGTH)
        if not query or len(query) > VIEW_QUERY_MAX_LENGTH or has_control_characters(query):
            raise Invalid("query")
        if cls.select().where(cls.name == name).exists():
            raise DuplicateName(name)
        try:
            with cls._meta.database.atomic():
                return cls.create(
                    name=name, query=query, created_by=created_by, created_at=clock.now()
                )
        except peewee.IntegrityError:  # saved at the same moment by someone else
            raise DuplicateName(name) from None

    @classmethod
    def by_name(cls) -> list[SavedView]:
        return list(cls.select().order_by(cls.name, cls.id))

    @property
    def created_text(self) -> str:
        return minute_text(self.created_at)


DASHBOARD_MODELS: list[type[BaseModel]] = [Annotation, SavedView]


def authored(user_id: int) -> dict[str, list[dict[str, Any]]]:
    """What a user wrote on the dashboard, for their data export (plain JSON values)."""
    return {
        "annotations": [
            {
                "day": note.day_text,
                "text": note.text,
                "created_at": stored_text(note.created_at),
            }
            for note in Annotation.select()
            .where((Annotation.created_by == user_id) & Annotation.fetchable())
            .order_by(Annotation.id)
        ],
        "saved_views": [
            {
                "name": view.name,
                "query": view.query,
                "created_at": stored_text(view.created_at),
            }
            for view in SavedView.select()
            .where(SavedView.created_by == user_id)
            .order_by(SavedView.id)
        ],
    }


def forget_author(user_id: int) -> dict[str, int]:
    """Blank a user's id on their notes and views (erasure): the notes are the team's record
    of what happened and stay, without saying who wrote them."""
    return {
        "annotations": Annotation.update(created_by=None)
        .where(Annotation.created_by == user_id)
        .execute(),
        "saved_views": SavedView.update(created_by=None)
        .where(SavedView.created_by == user_id)
        .execute(),
    }


def authors(rows: Iterable[Annotation | SavedView]) -> set[int]:
    """The user ids behind ``rows``, for one ``People.describe`` call."""
    return {row.created_by for row in rows if row.created_by is not None}
