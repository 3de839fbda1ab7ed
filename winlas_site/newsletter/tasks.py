"""The newsletter's work on the site's queue: writing an issue's messages to the outbox."""

from __future__ import annotations

from ..tasks import task
from . import mailing
from .models import NewsletterIssue


@task(retries=3, retry_delay=60)
def deliver_issue(issue_id: int) -> None:
    """Queue one claimed issue for its subscribers (idempotent: a retry skips those done)."""
    issue = NewsletterIssue.get_or_none(NewsletterIssue.id == issue_id)
    if issue is not None and issue.sent_at is not None:
        mailing.queue_issue(issue)
