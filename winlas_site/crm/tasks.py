"""The CRM's periodic tasks: the owners' morning list of follow-ups, at 07:00 Swedish time,
and the touches of new leads and sign-ups (which campaign brought them), every ten minutes.

The queue's clock is UTC (huey's default), and 07:00 in Stockholm is 05:00 or 06:00 UTC with
the season, so the schedule is a check of the local time rather than a fixed crontab hour.
"""

from __future__ import annotations

import datetime

from huey import crontab

from ..clock import SWEDISH_TIME
from ..leads import attribution
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


@periodic_task(crontab(minute="*/10"))
def fill_touches() -> None:
    """Look up the first and last touch of the leads and sign-ups still waiting for them (the
    writer stores their conversion events a moment after the form was sent)."""
    attribution.fill_pending()
