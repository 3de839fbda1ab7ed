"""The CRM's periodic task: the owners' morning list of follow-ups, at 07:00 Swedish time.

The queue's clock is UTC (huey's default), and 07:00 in Stockholm is 05:00 or 06:00 UTC with
the season, so the schedule is a check of the local time rather than a fixed crontab hour.
"""

from __future__ import annotations

import datetime

from ..clock import SWEDISH_TIME
from ..queue import periodic_task
from . import notify

MORNING = datetime.time(7, 0)


def at_seven_in_stockholm(moment: datetime.datetime) -> bool:
    """True in the minute 07:00 Swedish time; ``moment`` is the queue's naive UTC time."""
    local = moment.replace(tzinfo=datetime.UTC).astimezone(SWEDISH_TIME)
    return (local.hour, local.minute) == (MORNING.hour, MORNING.minute)


@periodic_task(at_seven_in_stockholm)
def morning_follow_ups() -> None:
    """Mail each owner the follow-ups due today (each lead once per day, whatever reruns)."""
    notify.send_due_follow_ups()
