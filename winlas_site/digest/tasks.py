"""The digest's periodic task: Monday at 07:00 Swedish time, summer and winter.

The queue's clock is UTC and 07:00 in Stockholm is 05:00 or 06:00 UTC with the season, so the
schedule checks the local time (the CRM's morning check, ``crm.tasks.at_seven_in_stockholm``)
and the weekday there. A doubled or restarted run sends nothing twice: each reader's week is
claimed before the mail is queued (``mailing.queue_week``). A Monday the consumer missed can be
sent by hand: ``winlas analytics digest``.
"""

from __future__ import annotations

import datetime

from ..clock import SWEDISH_TIME
from ..crm.tasks import at_seven_in_stockholm
from ..queue import periodic_task
from . import mailing

MONDAY = 0


def monday_at_seven_in_stockholm(moment: datetime.datetime) -> bool:
    """True in the minute 07:00 of a Monday in Sweden; ``moment`` is the queue's naive UTC."""
    local = moment.replace(tzinfo=datetime.UTC).astimezone(SWEDISH_TIME)
    return local.weekday() == MONDAY and at_seven_in_stockholm(moment)


@periodic_task(monday_at_seven_in_stockholm)
def weekly_digest() -> None:
    """Mail last week's digest to every reader who has not had it."""
    mailing.queue_week()
