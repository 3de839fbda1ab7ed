"""Signed links of the newsletter.

A link carries row ids and a short digest of the address, never the address itself (links end
up in logs and forwarded mails). Each kind of link has its own salt, so one kind cannot stand in
for another.
"""

from __future__ import annotations

import datetime

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

CONFIRM = "newsletter-confirm"
UNSUBSCRIBE = "newsletter-unsubscribe"
PREFERENCES = "newsletter-preferences"
CLICK = "newsletter-click"
OPEN = "newsletter-open"

DAY = 24 * 3600
# a confirmation link works for a week; the unsubscribe link in a newsletter never expires
# (RFC 8058 expects it to keep working); a preference link for a year.
MAX_AGE = {CONFIRM: 7 * DAY, UNSUBSCRIBE: None, PREFERENCES: 365 * DAY, CLICK: None, OPEN: None}
CONFIRM_DAYS = MAX_AGE[CONFIRM] // DAY
MAX_TOKEN_LENGTH = 300


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=kind)


def make(kind: str, *values: int | str) -> str:
    """A signed, timestamped token of ``kind`` carrying ``values``."""
    return _serializer(kind).dumps(list(values))


def read(kind: str, token: str, arity: int) -> tuple[list, datetime.datetime] | None:
    """The values and the issue time of a valid token, or None (tampered, expired, malformed)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        values, issued = _serializer(kind).loads(
            token, max_age=MAX_AGE[kind], return_timestamp=True
        )
    except (BadData, UnicodeError, ValueError):
        return None
    if not isinstance(values, list) or len(values) != arity:
        return None
    return values, issued.replace(tzinfo=None)
