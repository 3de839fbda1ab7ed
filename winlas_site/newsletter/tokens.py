"""Signed links of the newsletter.

A link carries row ids and a short digest of the address, never the address itself (links end
up in logs and forwarded mails). Each kind of link has its own salt, so one kind cannot stand in
for another.
"""

from __future__ import annotations

import datetime

from .. import signing

PURPOSE = {
    purpose.salt: purpose
    for purpose in (
        signing.NEWSLETTER_CONFIRM,
        signing.NEWSLETTER_UNSUBSCRIBE,
        signing.NEWSLETTER_PREFERENCES,
        signing.NEWSLETTER_CLICK,
        signing.NEWSLETTER_OPEN,
    )
}
CONFIRM = signing.NEWSLETTER_CONFIRM.salt
UNSUBSCRIBE = signing.NEWSLETTER_UNSUBSCRIBE.salt
PREFERENCES = signing.NEWSLETTER_PREFERENCES.salt
CLICK = signing.NEWSLETTER_CLICK.salt
OPEN = signing.NEWSLETTER_OPEN.salt

# seconds each kind of link works, None for ever (fixed numbers, declared in signing.py): a
# confirmation link a week, a preference link a year, the unsubscribe link never expires
MAX_AGE: dict[str, int | None] = {kind: purpose.seconds() for kind, purpose in PURPOSE.items()}
CONFIRM_DAYS = (MAX_AGE[CONFIRM] or 0) // signing.DAY


def make(kind: str, *values: int | str) -> str:
    """A signed, timestamped token of ``kind`` carrying ``values``."""
    return signing.sign(PURPOSE[kind], list(values))


def read(kind: str, token: str, arity: int) -> tuple[list, datetime.datetime] | None:
    """The values and the issue time of a valid token, or None (tampered, expired, malformed)."""
    found = signing.read(PURPOSE[kind], token, signing.list_of(arity))
    if isinstance(found, signing.Refused) or found.issued is None:
        return None
    return found.value, found.issued
