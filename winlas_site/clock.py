"""The site's one clock: every timestamp the site stores or compares comes from here.

Stored times are naive UTC (``now``); course sessions are entered and shown in Swedish local
time, naive too (``local_now``). Tests move both with time-machine, which patches the
``datetime`` calls below.
"""

from __future__ import annotations

import datetime


def now() -> datetime.datetime:
    """The current time as naive UTC, the form every timestamp is stored in."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def local_now() -> datetime.datetime:
    """Session times are naive local Swedish time, as entered: compare them with this."""
    return datetime.datetime.now()
