"""Signed values the site hands out and reads back: email links, form fill tokens, the consent
cookie. One place builds the itsdangerous serializers and checks what comes back.

Every purpose is declared once below, with its salt (so a value of one purpose never stands in
for another), whether it carries a timestamp, how long its signature stays good and how long a
value of it may be. A salt, the timed flag and the payload format are part of every link
already sent by email and every cookie already set: never change them, add a purpose instead.

``sign`` makes a value; ``read`` checks one (length first, then signature and age, then the
payload's shape) and says why it refused; ``unsign`` is ``read`` for callers that only need
yes or no.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

T = TypeVar("T")

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
# longer than any value the site makes: a longer one is refused before the signature is checked
MAX_TOKEN_LENGTH = 300
# what itsdangerous' URL-safe tokens are made of: base64url payload and signature, joined by dots
TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_\-.]+")
# the largest id an integer column holds (PostgreSQL): a link naming a larger one is unknown
MAX_ID = 2**31 - 1

Settings = Mapping[str, Any]


@dataclass(frozen=True)
class Purpose:
    """One kind of signed value."""

    salt: str
    # timed: the signature carries when it was made (itsdangerous' URLSafeTimedSerializer)
    timed: bool
    # seconds the signature stays good: a number, a function of the app's settings, or None
    # for no limit (an untimed purpose that expires checks a time inside its payload)
    max_age: int | Callable[[Settings], int] | None = None
    max_length: int = MAX_TOKEN_LENGTH

    def seconds(self, config: Settings | None = None) -> int | None:
        """The signature's lifetime in seconds under ``config`` (the app's by default)."""
        if callable(self.max_age):
            return self.max_age(current_app.config if config is None else config)
        return self.max_age


def _setting(name: str, unit: int) -> Callable[[Settings], int]:
    def seconds(config: Settings) -> int:
        return int(config[name]) * unit

    return seconds


def _keep_account_max_age(config: Settings) -> int:
    # the reminder's notice (at least a day, as retention reads it) and a month's grace after
    return (max(1, int(config["WINLAS_INACTIVITY_REMINDER_DAYS"])) + 30) * DAY


ACCOUNT_CONFIRM = Purpose(
    "account-confirm", timed=True, max_age=_setting("WINLAS_CONFIRM_HOURS", HOUR)
)
PASSWORD_RESET = Purpose(
    "password-reset", timed=True, max_age=_setting("WINLAS_PASSWORD_RESET_MINUTES", MINUTE)
)
NEWSLETTER_CONFIRM = Purpose("newsletter-confirm", timed=True, max_age=7 * DAY)
# the unsubscribe link in a newsletter never expires (RFC 8058 expects it to keep working)
NEWSLETTER_UNSUBSCRIBE = Purpose("newsletter-unsubscribe", timed=True)
NEWSLETTER_PREFERENCES = Purpose("newsletter-preferences", timed=True, max_age=365 * DAY)
NEWSLETTER_CLICK = Purpose("newsletter-click", timed=True)
NEWSLETTER_OPEN = Purpose("newsletter-open", timed=True)
# the weekly digest's unsubscribe link never expires either; it names the row and its key
DIGEST_UNSUBSCRIBE = Purpose("weekly-digest-unsubscribe", timed=True)
# a cancel link is refused once its session has started; this only bounds a forgotten one
COURSE_CANCEL = Purpose("course-cancel", timed=True, max_age=2 * 366 * DAY)
KEEP_ACCOUNT = Purpose("winlas-keep-account", timed=True, max_age=_keep_account_max_age)
# untimed: the form's age is the time inside the token (WINLAS_FORM_TOKEN_HOURS, see spam.py)
FORM_STARTED = Purpose("form-started", timed=False)
# untimed: the choice's age is the time inside the cookie (see consent/core.py)
CONSENT = Purpose("winlas-consent", timed=False, max_length=512)

PURPOSES: dict[str, Purpose] = {
    purpose.salt: purpose
    for purpose in (
        ACCOUNT_CONFIRM,
        PASSWORD_RESET,
        NEWSLETTER_CONFIRM,
        NEWSLETTER_UNSUBSCRIBE,
        NEWSLETTER_PREFERENCES,
        NEWSLETTER_CLICK,
        NEWSLETTER_OPEN,
        DIGEST_UNSUBSCRIBE,
        COURSE_CANCEL,
        KEEP_ACCOUNT,
        FORM_STARTED,
        CONSENT,
    )
}


class Refused(enum.Enum):
    INVALID = "invalid"  # altered, cut short, too long, of another purpose or key, wrong shape
    EXPIRED = "expired"  # genuine, but older than its purpose's max age


@dataclass(frozen=True)
class Signed(Generic[T]):
    """A value that passed every check: its payload (as ``shape`` returned it) and, for a timed
    purpose, when it was signed (naive UTC, like every stored time)."""

    value: T
    issued: datetime.datetime | None


def _as_is(payload: Any) -> Any:
    return payload


def _serializer(
    purpose: Purpose, secret_key: str | bytes | None
) -> URLSafeSerializer | URLSafeTimedSerializer:
    kind = URLSafeTimedSerializer if purpose.timed else URLSafeSerializer
    return kind(secret_key or app_secret_key(), salt=purpose.salt)


def app_secret_key() -> str | bytes:
    """The running app's ``SECRET_KEY`` (create_app always sets one)."""
    key = current_app.secret_key
    if key is None:
        raise RuntimeError("the app has no SECRET_KEY")
    return key


def sign(purpose: Purpose, payload: Any, *, secret_key: str | bytes | None = None) -> str:
    """``payload`` (anything JSON can hold) signed for ``purpose`` with the app's secret key."""
    return _serializer(purpose, secret_key).dumps(payload)


def read(
    purpose: Purpose,
    token: object,
    shape: Callable[[Any], T | None] = _as_is,
    *,
    secret_key: str | bytes | None = None,
) -> Signed[T] | Refused:
    """Check ``token`` for ``purpose``: its length, signature and age, then its payload with
    ``shape`` (which returns the value the caller wants, or None when the payload is not of the
    expected form). ``secret_key`` defaults to the app's."""
    if not isinstance(token, str) or not token or len(token) > purpose.max_length:
        return Refused.INVALID
    # itsdangerous' decoder skips characters outside its alphabet, so a real token with
    # anything appended would still pass; a token is only ever these characters
    if not TOKEN_CHARACTERS.fullmatch(token):
        return Refused.INVALID
    serializer = _serializer(purpose, secret_key)
    issued: datetime.datetime | None = None
    try:
        if isinstance(serializer, URLSafeTimedSerializer):
            payload, signed_at = serializer.loads(
                token, max_age=purpose.seconds(), return_timestamp=True
            )
            issued = signed_at.replace(tzinfo=None)
        else:
            payload = serializer.loads(token)
    except SignatureExpired:
        return Refused.EXPIRED
    # BadData: forged, cut short or of another purpose; the others: text that is no token
    except (BadData, UnicodeError, ValueError):
        return Refused.INVALID
    value = shape(payload)
    if value is None:
        return Refused.INVALID
    return Signed(value, issued)


def unsign(
    purpose: Purpose,
    token: object,
    shape: Callable[[Any], T | None] = _as_is,
    *,
    secret_key: str | bytes | None = None,
) -> T | None:
    """The shaped payload of a valid ``token`` for ``purpose``, else None (see ``read``)."""
    found = read(purpose, token, shape, secret_key=secret_key)
    return None if isinstance(found, Refused) else found.value


# payload shapes that several purposes share ---------------------------------------------------


def is_row_id(value: object) -> bool:
    """An id a row can have: an int (not a bool) from 1 to ``MAX_ID``, so a link naming 10**30
    is an unknown link, not a database overflow."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def id_and_stamp(payload: Any) -> tuple[int, str] | None:
    """``[row id, stamp]``: a link to one row, with a stamp (a digest of what the row was when
    the link was made) that voids the link once the row changes or the id is reused."""
    if (
        isinstance(payload, list)
        and len(payload) == 2
        and is_row_id(payload[0])
        and isinstance(payload[1], str)
    ):
        return payload[0], payload[1]
    return None


def list_of(length: int) -> Callable[[Any], list | None]:
    """The shape "a list of ``length`` items" (the items are the caller's to check)."""

    def shape(payload: Any) -> list | None:
        return payload if isinstance(payload, list) and len(payload) == length else None

    return shape
