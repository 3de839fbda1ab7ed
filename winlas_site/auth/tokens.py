"""Signed links for accounts: email confirmation and password reset.

A link carries the user id and ``User.link_stamp()`` (a digest of the address and the password
hash), never the address. Setting a new password changes the stamp, so a reset link works once;
a registration replaced by a later one (new password) voids the earlier confirmation links.
Each kind has its own salt, so one kind of link cannot stand in for another.
"""

from __future__ import annotations

import enum

from .. import signing
from ..links import external_url
from .models import User

CONFIRM = signing.ACCOUNT_CONFIRM.salt
RESET = signing.PASSWORD_RESET.salt
PURPOSE = {CONFIRM: signing.ACCOUNT_CONFIRM, RESET: signing.PASSWORD_RESET}


class LinkProblem(enum.Enum):
    INVALID = "invalid"  # altered, cut short, of another kind, or its user is gone
    EXPIRED = "expired"  # genuine but older than its lifetime
    USED = "used"  # genuine, but the password (or address) has changed since: used or replaced


def confirm_max_age() -> int:
    """Seconds a confirmation link works (``WINLAS_CONFIRM_HOURS``)."""
    return signing.ACCOUNT_CONFIRM.seconds() or 0


def reset_max_age() -> int:
    """Seconds a password-reset link works (``WINLAS_PASSWORD_RESET_MINUTES``)."""
    return signing.PASSWORD_RESET.seconds() or 0


ENDPOINT = {CONFIRM: "auth.confirm", RESET: "auth.reset_password"}


def make(kind: str, user: User) -> str:
    """A signed, timestamped token of ``kind`` for ``user``."""
    return signing.sign(PURPOSE[kind], [user.id, user.link_stamp()])


def url(kind: str, user: User) -> str:
    """The absolute link for email, on ``WINLAS_SITE_URL`` (never the request's Host)."""
    return external_url(ENDPOINT[kind], token=make(kind, user))


def read(kind: str, token: str) -> User | LinkProblem:
    """The user a token of ``kind`` names, or what is wrong with it."""
    found = signing.read(PURPOSE[kind], token, signing.id_and_stamp)
    if found is signing.Refused.EXPIRED:
        return LinkProblem.EXPIRED
    if isinstance(found, signing.Refused):
        return LinkProblem.INVALID
    user_id, stamp = found.value
    user = User.get_or_none(User.id == user_id)
    if user is None:
        return LinkProblem.INVALID
    if user.link_stamp() != stamp:
        return LinkProblem.USED
    return user
