"""Spam defence without third parties: a honeypot field and a single-use, expiring fill token.

The form carries a signed token of when it was shown and a random id. A submission faster than
a person can type, or with the hidden honeypot filled in, is refused politely and logged, never
stored. A token is good for one submission and for ``WINLAS_FORM_TOKEN_HOURS``: its id is
recorded in the table ``form_token`` when it is used, so a bot cannot fetch a form once and
post it again and again, not even through another worker or machine (they share the database;
the rate limiter's store is per process when Redis is not configured, and may evict).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import time

import peewee
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField

from . import clock, signing
from .db import BaseModel, database

log = logging.getLogger("winlas.spam")


# what use_token() answers
FRESH, REPLAYED, REUSED, EXPIRED = "fresh", "replayed", "reused", "expired"
# the message shown above a form sent back for a fresh token (what was typed is kept)
TOKEN_MESSAGES = {
    EXPIRED: _l("Formuläret har varit öppet för länge. Kontrollera uppgifterna och skicka igen."),
    REUSED: _l(
        "Det här formuläret har redan skickats. Kontrollera uppgifterna och skicka igen om du "
        "vill skicka det en gång till."
    ),
}


class FormToken(BaseModel):
    """A used fill token: its id, a digest of what was sent with it, and when it expires.

    Nothing personal: the digest cannot be turned back into the form's content.
    """

    nonce = peewee.CharField(max_length=32, primary_key=True)
    fingerprint = peewee.CharField(max_length=64)
    expires_at = peewee.DateTimeField(index=True)

    class Meta:
        table_name = "form_token"

    @classmethod
    def purge(cls, at: datetime.datetime | None = None) -> int:
        """Delete the records of tokens that have expired anyway; return how many."""
        return cls.delete().where(cls.expires_at < (at or clock.now())).execute()


def _max_age_seconds() -> float:
    return current_app.config["WINLAS_FORM_TOKEN_HOURS"] * 3600


def started_token() -> str:
    """A signed token for a form being rendered: when it was shown, and a random id."""
    return signing.sign(signing.FORM_STARTED, [int(time.time() * 1000), secrets.token_hex(16)])


def _shown_and_id(payload: object) -> tuple[int, str] | None:
    """(shown at in ms, token id) of a fill token's payload; (ms, "") for a token made before
    tokens had ids (a bare number); None for anything else."""
    if isinstance(payload, int) and not isinstance(payload, bool):
        return payload, ""
    if (
        isinstance(payload, list)
        and len(payload) == 2
        and isinstance(payload[0], int)
        and not isinstance(payload[0], bool)
        and isinstance(payload[1], str)
        and len(payload[1]) == 32
    ):
        return payload[0], payload[1]
    return None


def _fingerprint() -> str:
    """A keyed digest of what was posted: a double click sends the same. The CSRF token may
    differ between two tabs; passwords stay out of it, and the key (``SECRET_KEY``) makes the
    digest useless for guessing what was typed should the table ever leak."""
    fields = sorted(
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != "csrf_token" and "password" not in name
    )
    message = json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass")
    key = signing.app_secret_key()
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class SpamFields:
    """Mixin for forms that anonymous visitors send."""

    # humans never see it (hidden by CSS, skipped by keyboard and screen readers); bots fill it
    website = StringField("Webbplats")
    started = HiddenField()
    # the form's own errors, from the wtforms Form this mixin is combined with
    form_errors: list[str]

    def _started(self) -> tuple[int, str] | None:
        """(shown at in ms, token id) of the posted token; (ms, "") for a token made before
        tokens had ids; None when it is missing or forged."""
        return signing.unsign(signing.FORM_STARTED, self.started.data, _shown_and_id)

    def is_spam(self) -> str | None:
        """Why this submission looks automated, or None."""
        if self.website.data:
            return "honeypot"
        started = self._started()
        if started is None:
            return "no start time"
        seconds = time.time() - started[0] / 1000
        minimum = current_app.config["WINLAS_MIN_FILL_SECONDS"]
        if seconds < minimum:
            return "too fast"
        return None

    def use_token(self) -> str:
        """Use the fill token up: ``FRESH`` the first time; ``REPLAYED`` when the same content
        comes again with it (a double click: the caller answers as before and stores nothing
        new); ``REUSED`` for other content; ``EXPIRED`` past its age. Call after ``is_spam``.
        """
        started = self._started()
        if started is None:
            return EXPIRED
        shown_ms, nonce = started
        shown = datetime.datetime.fromtimestamp(shown_ms / 1000, datetime.UTC).replace(tzinfo=None)
        expires_at = shown + datetime.timedelta(seconds=_max_age_seconds())
        now = clock.now()
        # a token from before ids (an old tab at an upgrade) cannot be told apart: renew it
        if not nonce or expires_at <= now:
            return EXPIRED
        fingerprint = _fingerprint()
        try:
            with database.atomic():
                FormToken.create(nonce=nonce, fingerprint=fingerprint, expires_at=expires_at)
        except peewee.IntegrityError:
            used = FormToken.get_or_none(FormToken.nonce == nonce)
            return REPLAYED if used is not None and used.fingerprint == fingerprint else REUSED
        # the records are purged where they are written: an indexed range that is nearly always
        # empty, so no separate job has to run for the table to stay small
        FormToken.purge(now)
        return FRESH

    def renew_token(self, problem: str) -> None:
        """Send the form back with a fresh token and the message for ``problem``."""
        self.started.data = started_token()
        self.form_errors.append(TOKEN_MESSAGES[problem])


def log_spam(form_name: str, reason: str) -> None:
    """Record a refused submission without its content."""
    log.warning("spam refused form=%s reason=%s client=%s", form_name, reason, request.remote_addr)
