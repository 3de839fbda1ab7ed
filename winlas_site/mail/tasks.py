"""The mail's periodic tasks: the safety net for lost deliveries, and the purge.

The delivery task itself (``service.deliver``) lives beside the code that enqueues it.
"""

from __future__ import annotations

from huey import crontab

from ..queue import periodic_task
from . import service


@periodic_task(crontab(minute="*"))
def retry_due_every_minute() -> None:
    """Re-enqueue messages whose retry is due or whose task was lost."""
    service.retry_due()


@periodic_task(crontab(minute="17", hour="3"))
def purge_old_messages() -> None:
    """Delete sent and failed messages past ``WINLAS_MAIL_RETENTION_DAYS`` (personal data)."""
    service.purge(service.settings()["WINLAS_MAIL_RETENTION_DAYS"])
