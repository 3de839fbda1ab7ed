"""Signed links for accounts: email confirmation and password reset.

A link carries the user id and ``User.link_stamp()`` (a digest of the address and the password
hash), never the address. Setting a new password changes the stamp, so a reset link works once;
a registration replaced by a later one (new password) voids the earlier confirmation links.
Each kind has its own salt, so one kind of link cannot stand in for another.
"""

from __future__ import annotations

import enum

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from ..mail import external_url
from .models import User

CONFIRM = "account-confirm"
RESET = "password-reset"
MAX_TOKEN_LENGTH = 300
MAX_ID = 2**31 - 1


class LinkProblem(enum.Enum):
    INVALID = "invalid"  # altered, cut short, of another kind, or its user is gone
    EXPIRED = "expired"  # genuine but older than its lifetime
    USED = "used"  # genuine, but the password (or address) has changed since: used or replaced


def confirm_max_age() -> int:
    """Seconds a confirmation link works (``WINLAS_CONFIRM_HOURS``)."""
    return int(current_app.config.get("WINLAS_CONFIRM_HOURS", 72)) * 3600


def reset_max_age() -> int:
    """Seconds a password-reset link works (``WINLAS_PASSWORD_RESET_MINUTES``)."""
    return int(current_app.config.get("WINLAS_PASSWORD_RESET_MINUTES", 60)) * 60


MAX_AGE = {CONFIRM: confirm_max_age, RESET: reset_max_age}
ENDPOINT = {CONFIRM: "auth.confirm", RESET: "auth.reset_password"}


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=kind)


def make(kind: str, user: User) -> str:
    """A signed, timestamped token of ``kind`` for ``user``."""
    return _serializer(kind).dumps([user.id, user.link_stamp()])


def url(kind: str, user: User) -> str:
    """The absolute link for email, on ``WINLAS_SITE_URL`` (never the request's Host)."""
    return external_url(ENDPOINT[kind], token=make(kind, user))


def read(kind: str, token: str) -> User | LinkProblem:
    """The user a token of ``kind`` names, or what is wrong with it."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return LinkProblem.INVALID
    serializer = _serializer(kind)
    try:
        payload = serializer.loads(token, max_age=MAX_AGE[kind]())
    except SignatureExpired:
        return LinkProblem.EXPIRED
    except (BadData, UnicodeError, ValueError):
        return LinkProblem.INVALID
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or isinstance(payload[0], bool)
        or not 0 < payload[0] <= MAX_ID
        or not isinstance(payload[1], str)
    ):
        return LinkProblem.INVALID
    user = User.get_or_none(User.id == payload[0])
    if user is None:
        return LinkProblem.INVALID
    if user.link_stamp() != payload[1]:
        return LinkProblem.USED
    return user
