"""Email: an outbox table and a task queue, so a failing SMTP server delays mail but loses none.

Other features call ``queue_email`` after saving their own data; templates live in
``templates/mail/<feature>/<name>.subject.txt``, ``.txt`` and ``.html``.
"""

from __future__ import annotations

import email.utils

from flask import Flask

from .cli import group
from .models import OutboxMessage
from .service import checked_address, queue_email, retry_due

__all__ = ["OutboxMessage", "init_app", "queue_email", "retry_due"]


def init_app(app: Flask) -> None:
    """Check the mail settings (the sender address first), add ``winlas mail``."""
    address = email.utils.parseaddr(app.config["WINLAS_MAIL_FROM"])[1]
    if "@" not in address or any(ch in app.config["WINLAS_MAIL_FROM"] for ch in "\r\n"):
        raise ValueError("WINLAS_MAIL_FROM must be an address such as 'WinLas <noreply@winlas.se>'")
    for name in ("WINLAS_SUPPORT_EMAIL", "WINLAS_COURSE_EMAIL", "WINLAS_MARKETING_EMAIL"):
        # a Reply-To that the outbox would refuse must fail at start, not on every email
        if app.config[name] and not _is_address(app.config[name]):
            raise ValueError(f"{name} must be an email address (or empty for no Reply-To)")
    if app.config["WINLAS_MAIL_MAX_ATTEMPTS"] < 1:
        raise ValueError("WINLAS_MAIL_MAX_ATTEMPTS must be at least 1")
    app.cli.add_command(group)


def _is_address(value: str) -> bool:
    try:
        checked_address(value)
    except ValueError:
        return False
    return True
