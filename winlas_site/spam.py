"""Spam defence without third parties: a honeypot field and a minimum fill time.

The form carries a signed timestamp of when it was shown; a submission faster than a person can
type, or with the hidden honeypot filled in, is refused politely and logged, never stored.
"""

from __future__ import annotations

import logging
import time

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, StringField

log = logging.getLogger("winlas.spam")

MIN_FILL_SECONDS = 3


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="form-started")


def started_token() -> str:
    """A signed 'shown at' timestamp for a form being rendered."""
    return _serializer().dumps(int(time.time() * 1000))


class SpamFields:
    """Mixin for forms that anonymous visitors send."""

    # humans never see it (hidden by CSS, skipped by keyboard and screen readers); bots fill it
    website = StringField("Webbplats")
    started = HiddenField()

    def is_spam(self) -> str | None:
        """Why this submission looks automated, or None."""
        if self.website.data:
            return "honeypot"
        try:
            shown = _serializer().loads(self.started.data or "")
        except BadSignature:
            return "no start time"
        if not isinstance(shown, int):
            return "no start time"
        seconds = time.time() - shown / 1000
        minimum = current_app.config.get("WINLAS_MIN_FILL_SECONDS", MIN_FILL_SECONDS)
        if seconds < minimum:
            return "too fast"
        return None


def log_spam(form_name: str, reason: str) -> None:
    """Record a refused submission without its content."""
    log.warning("spam refused form=%s reason=%s client=%s", form_name, reason, request.remote_addr)
