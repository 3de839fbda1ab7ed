"""The site's one clock: every timestamp the site stores or compares comes from here.

Stored times are naive UTC (``now``); course sessions are entered and shown in Swedish local
time, naive too (``local_now``), whatever time zone the server runs in. Staff read stored times
in Swedish time (``to_local``) and type them so (``to_utc``). Tests move all of them with
time-machine, which patches the ``datetime`` calls below.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")


def now() -> datetime.datetime:
    """The current time as naive UTC, the form every timestamp is stored in."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def local_now() -> datetime.datetime:
    """Session times are naive local Swedish time, as entered: compare them with this."""
    return datetime.datetime.now(SWEDISH_TIME).replace(tzinfo=None)


def local_today() -> datetime.date:
    """Today's date in Sweden (a follow-up due "today" is due on this calendar day)."""
    return local_now().date()


def to_local(utc: datetime.datetime | None) -> datetime.datetime | None:
    """A stored naive-UTC time as naive Swedish wall-clock time, summer and winter."""
    if utc is None:
        return None
    return utc.replace(tzinfo=datetime.UTC).astimezone(SWEDISH_TIME).replace(tzinfo=None)


def to_utc(local: datetime.datetime | None) -> datetime.datetime | None:
    """A Swedish wall-clock time (as typed) as the naive UTC the database keeps."""
    if local is None:
        return None
    return local.replace(tzinfo=SWEDISH_TIME).astimezone(datetime.UTC).replace(tzinfo=None)
