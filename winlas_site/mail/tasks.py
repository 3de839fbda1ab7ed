"""The mail tasks on the site's queue: one delivery per message, and the periodic safety net."""

from __future__ import annotations

from huey import crontab

from ..tasks import periodic_task, task
from . import service


@task()
def deliver(message_id: int) -> None:
    """Send one outbox message (a retry is scheduled by the delivery itself)."""
    service.deliver_message(message_id)


@periodic_task(crontab(minute="*"))
def retry_due_every_minute() -> None:
    """Re-enqueue messages whose retry is due or whose task was lost."""
    service.retry_due()


@periodic_task(crontab(minute="17", hour="3"))
def purge_old_messages() -> None:
    """Delete sent and failed messages past ``WINLAS_MAIL_RETENTION_DAYS`` (personal data)."""
    service.purge(service.settings()["WINLAS_MAIL_RETENTION_DAYS"])
