"""The one clock of analytics: every time the package stores, compares or stamps comes from here.

Stored times are naive UTC (``now``); the tracker and the spool speak epoch milliseconds
(``now_ms``), the same clock. Tests move both with time-machine, which patches the calls below.
"""

from __future__ import annotations

import datetime
import time


def now() -> datetime.datetime:
    """The current time as naive UTC, the form analytics stores every time in."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def now_ms() -> int:
    """The current time in milliseconds since the epoch, as event timestamps are sent."""
    return int(time.time() * 1000)
