"""The one signed-value helper (issue 12): every link already sent and every consent cookie
already set keeps working, and a value of one purpose never stands in for another.

"The old way" below is how each module built its itsdangerous serializer before
``winlas_site.signing`` existed; the tests build tokens with itsdangerous directly, exactly so.
"""

from __future__ import annotations

import datetime
import itertools
import secrets
import time
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from winlas_site import config, signing
from winlas_site.auth import tokens as auth_tokens
from winlas_site.consent import core as consent_core
from winlas_site.courses import signup
from winlas_site.newsletter import tokens as newsletter_tokens
from winlas_site.newsletter.models import address_digest
from winlas_site.retention import keep_token
from winlas_site.signing import PURPOSES, Purpose, Refused
from winlas_site.spam import SpamFields, started_token

KEY = "test-secret-key"
CONSENT_ID = "0123456789abcdef0123456789abcdef"

# salt -> timed, as the six modules had them: changing one voids links already in mailboxes
OLD_SALTS = {
    "account-confirm": True,  # auth/tokens.py
    "password-reset": True,  # auth/tokens.py
    "newsletter-confirm": True,  # newsletter/tokens.py
    "newsletter-unsubscribe": True,
    "newsletter-preferences": True,
    "newsletter-click": True,
    "newsletter-open": True,
    "weekly-digest-unsubscribe": True,  # digest/mailing.py (new with the digest)
    "course-cancel": True,  # courses/signup.py
    "winlas-keep-account": True,  # retention.py
    "form-started": False,  # spam.py
    "winlas-consent": False,  # consent/core.py
}

# a payload of the form each module signed
PAYLOADS: dict[str, Any] = {
    "account-confirm": [7, "a1b2c3d4e5f6"],
    "password-reset": [7, "a1b2c3d4e5f6"],
    "newsletter-confirm": [7, "a1b2c3d4e5f6"],
    "newsletter-unsubscribe": [7, "a1b2c3d4e5f6"],
    "newsletter-preferences": [7, "a1b2c3d4e5f6"],
    "newsletter-click": [3, 7, "a1b2c3d4e5f6"],
    "newsletter-open": [3, 7, "a1b2c3d4e5f6"],
    "weekly-digest-unsubscribe": [7, "0123456789abcdef0123456789abcdef"],
    "course-cancel": [7, "20260301101500123456"],
    "winlas-keep-account": [7, "a1b2c3d4e5f6"],
    "form-started": [1767225600000, "f" * 32],
    "winlas-consent": {"id": CONSENT_ID, "c": ["statistics"], "r": 1, "t": 1767225600},
}


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update({name: default for name, (default, _parse) in config.SETTINGS.items()})
    app.secret_key = KEY
    with app.app_context():
        yield app


def old_serializer(
    salt: str, key: str = KEY, age_seconds: int = 0
) -> URLSafeSerializer | URLSafeTimedSerializer:
    """The serializer the old code built for ``salt`` (signing ``age_seconds`` in the past)."""
    if not OLD_SALTS[salt]:
        return URLSafeSerializer(key, salt=salt)

    class OldSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    return URLSafeTimedSerializer(key, salt=salt, signer=OldSigner)


def old_token(salt: str, payload: Any = None, **kwargs: Any) -> str:
    return old_serializer(salt, **kwargs).dumps(PAYLOADS[salt] if payload is None else payload)


def test_every_purpose_keeps_its_salt_and_its_serializer():
    assert {salt: purpose.timed for salt, purpose in PURPOSES.items()} == OLD_SALTS
    assert all(salt == purpose.salt for salt, purpose in PURPOSES.items())


@pytest.mark.parametrize("salt", OLD_SALTS)
def test_a_token_made_the_old_way_is_accepted(app, salt):
    found = signing.read(PURPOSES[salt], old_token(salt))
    assert isinstance(found, signing.Signed)
    assert found.value == PAYLOADS[salt]
    if OLD_SALTS[salt]:
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        assert found.issued is not None and abs((now - found.issued).total_seconds()) < 5
    else:
        assert found.issued is None


@pytest.mark.parametrize("salt", OLD_SALTS)
def test_a_new_token_is_what_the_old_code_made(app, salt):
    token = signing.sign(PURPOSES[salt], PAYLOADS[salt])
    assert old_serializer(salt).loads(token) == PAYLOADS[salt]
    if not OLD_SALTS[salt]:  # no timestamp: the very same string
        assert token == old_token(salt)


@pytest.mark.parametrize(("made_for", "read_as"), list(itertools.permutations(OLD_SALTS, 2)))
def test_a_token_of_one_purpose_is_refused_for_another(app, made_for, read_as):
    payload = PAYLOADS[made_for]
    assert signing.read(PURPOSES[read_as], old_token(made_for)) is Refused.INVALID
    assert signing.read(PURPOSES[read_as], signing.sign(PURPOSES[made_for], payload)) is (
        Refused.INVALID
    )


@pytest.mark.parametrize("salt", OLD_SALTS)
def test_a_token_signed_with_another_key_is_refused(app, salt):
    assert signing.read(PURPOSES[salt], old_token(salt, key="another-key")) is Refused.INVALID
    # an explicit key (the consent cookie's cache passes it) is used instead of the app's
    assert signing.unsign(PURPOSES[salt], old_token(salt, key="another-key"), secret_key="x") is (
        None
    )
    assert signing.unsign(PURPOSES[salt], old_token(salt, key="x"), secret_key="x") is not None


@pytest.mark.parametrize(
    ("salt", "lifetime"),
    [
        ("account-confirm", 72 * 3600),  # WINLAS_CONFIRM_HOURS
        ("password-reset", 60 * 60),  # WINLAS_PASSWORD_RESET_MINUTES
        ("newsletter-confirm", 7 * 86400),
        ("newsletter-preferences", 365 * 86400),
        ("course-cancel", 2 * 366 * 86400),
        ("winlas-keep-account", (30 + 30) * 86400),  # WINLAS_INACTIVITY_REMINDER_DAYS + 30
    ],
)
def test_a_timed_token_works_for_its_lifetime_then_expires(app, salt, lifetime):
    purpose = PURPOSES[salt]
    assert purpose.seconds() == lifetime
    assert signing.unsign(purpose, old_token(salt, age_seconds=lifetime - 60)) == PAYLOADS[salt]
    assert signing.read(purpose, old_token(salt, age_seconds=lifetime + 60)) is Refused.EXPIRED
    assert signing.unsign(purpose, old_token(salt, age_seconds=lifetime + 60)) is None


def test_lifetimes_follow_the_settings(app):
    app.config.update(
        WINLAS_CONFIRM_HOURS=2, WINLAS_PASSWORD_RESET_MINUTES=15, WINLAS_INACTIVITY_REMINDER_DAYS=7
    )
    assert signing.ACCOUNT_CONFIRM.seconds() == 2 * 3600 == auth_tokens.confirm_max_age()
    assert signing.PASSWORD_RESET.seconds() == 15 * 60 == auth_tokens.reset_max_age()
    assert signing.KEEP_ACCOUNT.seconds() == 37 * 86400
    token = old_token("password-reset", age_seconds=20 * 60)
    assert signing.read(signing.PASSWORD_RESET, token) is Refused.EXPIRED


@pytest.mark.parametrize(
    "salt", ["newsletter-unsubscribe", "newsletter-click", "newsletter-open", "form-started"]
)
def test_a_token_without_a_lifetime_never_expires(app, salt):
    assert PURPOSES[salt].seconds() is None
    token = old_token(salt, age_seconds=10 * 366 * 86400)
    assert signing.unsign(PURPOSES[salt], token) == PAYLOADS[salt]


@pytest.mark.parametrize("salt", OLD_SALTS)
@pytest.mark.parametrize(
    "token",
    [None, b"bytes", 17, "", "garbage", "a.b.c", "åäö.ÅÄÖ", "\udcff.\udcfe", "A" * 5000],
)
def test_what_is_no_token_is_refused(app, salt, token):
    assert signing.read(PURPOSES[salt], token) is Refused.INVALID


def test_a_genuine_token_longer_than_its_purpose_allows_is_refused(app):
    purpose = Purpose("test-long", timed=False, max_length=100)
    # hex digits: itsdangerous compresses a payload that repeats itself
    short, long = signing.sign(purpose, "x"), signing.sign(purpose, secrets.token_hex(50))
    assert len(long) > 100
    assert signing.unsign(purpose, short) == "x"
    assert signing.read(purpose, long) is Refused.INVALID
    assert signing.CONSENT.max_length == 512
    assert all(p.max_length == 300 for p in PURPOSES.values() if p is not signing.CONSENT)


def test_a_cut_or_altered_token_is_refused(app):
    token = old_token("course-cancel")
    altered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    # the decoder skips what is outside its alphabet: a genuine token with it appended
    for bad in (token[:-1], token[:20], altered, token + "x", token + "\xff\xfe", token + "å"):
        assert signing.read(signing.COURSE_CANCEL, bad) is Refused.INVALID


def test_the_shape_decides_what_a_genuine_payload_is_worth(app):
    token = old_token("account-confirm")
    assert signing.unsign(signing.ACCOUNT_CONFIRM, token, signing.id_and_stamp) == (
        7,
        "a1b2c3d4e5f6",
    )
    assert signing.read(signing.ACCOUNT_CONFIRM, token, signing.list_of(3)) is Refused.INVALID


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ([1, "s"], (1, "s")),
        ([2**31 - 1, "s"], (2**31 - 1, "s")),
        ([2**31, "s"], None),
        ([10**30, "s"], None),
        ([0, "s"], None),
        ([-1, "s"], None),
        ([True, "s"], None),
        (["1", "s"], None),
        ([1.0, "s"], None),
        ([1, 2], None),
        ([1], None),
        ([1, "s", "t"], None),
        ({"id": 1}, None),
        (1, None),
        (None, None),
    ],
)
def test_id_and_stamp(payload, expected):
    assert signing.id_and_stamp(payload) == expected


def test_list_of():
    assert signing.list_of(2)([1, "a"]) == [1, "a"]
    assert signing.list_of(2)([1]) is None
    assert signing.list_of(2)((1, "a")) is None
    assert signing.list_of(3)({"a": 1, "b": 2, "c": 3}) is None


# the six modules: what they make is what the old code made, and they read the old tokens ------


def test_account_links_are_made_as_before(app):
    user = SimpleNamespace(id=7, link_stamp=lambda: "a1b2c3d4e5f6")
    for kind in (auth_tokens.CONFIRM, auth_tokens.RESET):
        assert old_serializer(kind).loads(auth_tokens.make(kind, user)) == [7, "a1b2c3d4e5f6"]
    assert (auth_tokens.CONFIRM, auth_tokens.RESET) == ("account-confirm", "password-reset")


def test_newsletter_links_are_made_and_read_as_before(app):
    assert newsletter_tokens.MAX_AGE == {
        "newsletter-confirm": 7 * 86400,
        "newsletter-unsubscribe": None,
        "newsletter-preferences": 365 * 86400,
        "newsletter-click": None,
        "newsletter-open": None,
    }
    assert newsletter_tokens.CONFIRM_DAYS == 7
    for kind in newsletter_tokens.MAX_AGE:
        values = PAYLOADS[kind]
        assert old_serializer(kind).loads(newsletter_tokens.make(kind, *values)) == values
        found = newsletter_tokens.read(kind, old_token(kind), len(values))
        assert found is not None and found[0] == values and found[1].tzinfo is None
        assert newsletter_tokens.read(kind, old_token(kind), len(values) + 1) is None


def test_course_cancel_links_are_made_as_before(app):
    registration = SimpleNamespace(
        id=7, created_at=datetime.datetime(2026, 3, 1, 10, 15, 0, 123456)
    )
    token = signup.cancel_token(registration)
    assert signup.CANCEL_SALT == "course-cancel"
    assert old_serializer("course-cancel").loads(token) == PAYLOADS["course-cancel"]


def test_keep_account_links_are_made_as_before(app):
    user = SimpleNamespace(id=7, email="Anna@Exempel.se")
    assert old_serializer("winlas-keep-account").loads(keep_token(user)) == [
        7,
        address_digest("Anna@Exempel.se"),
    ]


def test_form_tokens_are_made_and_read_as_before(app):
    shown_ms, nonce = old_serializer("form-started").loads(started_token())
    assert abs(shown_ms / 1000 - time.time()) < 5 and len(nonce) == 32

    def started(token: str | None) -> tuple[int, str] | None:
        return SpamFields._started(SimpleNamespace(started=SimpleNamespace(data=token)))

    assert started(old_token("form-started")) == (1767225600000, "f" * 32)
    # a token from before tokens had ids: a bare number
    assert started(old_token("form-started", 1767225600000)) == (1767225600000, "")
    assert started(old_token("form-started", [1767225600000, "short"])) is None
    assert started(old_token("form-started", True)) is None
    assert started(None) is None and started("") is None


def test_consent_cookies_are_read_as_before(app):
    consent = consent_core._verified(old_token("winlas-consent"), KEY)
    assert consent == consent_core.Consent(CONSENT_ID, frozenset({"statistics"}), 1, 1767225600)
    assert (
        old_serializer("winlas-consent").loads(signing.sign(signing.CONSENT, consent.payload()))
        == (PAYLOADS["winlas-consent"])
    )
    other = old_token("winlas-consent", key="another-key")
    assert consent_core._verified(other, KEY) is None
    malformed = {**PAYLOADS["winlas-consent"], "c": ["statistics", "spying"]}
    assert consent_core._verified(old_token("winlas-consent", malformed), KEY) is None
