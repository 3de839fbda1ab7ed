"""The analytics package's periodic work, run by the site's queue.

analytics cannot import the queue (it never imports winlas_site), so the app schedules it: the
rollups the dashboard reads and the interest profiles, both incremental and idempotent, so a
missed or doubled run only moves work to the next one.
"""

from __future__ import annotations

from huey import crontab

import analytics

from .queue import periodic_task


@periodic_task(crontab(minute="*/5"))
def roll_up_and_profile() -> None:
    """Fold the events stored since the last run into the rollups and the interest profiles."""
    analytics.roll_up_and_profile()
