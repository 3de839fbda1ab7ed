"""The consent state of a request: read from a signed cookie, enforced on the server.

Every gated feature asks ``allows(request, category)``; nothing optional happens without it.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

from flask import Request, Response, current_app, g, request
from user_agents import parse as parse_user_agent

import analytics

from .. import signing
from ..cookies import OPTIONAL_CATEGORIES, REVISION, in_category, registered
from ..i18n import current_language
from .models import ConsentRecord
from .texts import texts_digest

CONSENT_COOKIE = "winlas_consent"
_HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@lru_cache(maxsize=256)
def _family(user_agent: str) -> str:
    return parse_user_agent(user_agent).browser.family or "Other"


def ua_family() -> str:
    """The browser family of the request (never the full user agent), for the proof."""
    return _family(request.headers.get("User-Agent", "")[:512])


@dataclass(frozen=True)
class Consent:
    id: str
    categories: frozenset[str]
    revision: int
    timestamp: int

    def payload(self) -> dict:
        return {
            "id": self.id,
            "c": sorted(self.categories),
            "r": self.revision,
            "t": self.timestamp,
        }


def _parse(raw: str | None) -> Consent | None:
    """A Consent from a cookie value, or None when it is missing, forged or malformed."""
    # checked before the cache too, so that no overlong value is kept in it
    if not raw or len(raw) > signing.CONSENT.max_length:
        return None
    return _verified(raw, current_app.secret_key)


# a visitor sends the same cookie with every request: verify each distinct value once
@lru_cache(maxsize=8192)
def _verified(raw: str, secret_key: str) -> Consent | None:
    return signing.unsign(signing.CONSENT, raw, _consent_of, secret_key=secret_key)


def _consent_of(data: object) -> Consent | None:
    """The Consent a verified cookie payload holds, or None when it is not one."""
    if not isinstance(data, dict):
        return None
    cid, categories, revision, stamp = data.get("id"), data.get("c"), data.get("r"), data.get("t")
    if not (isinstance(cid, str) and _HEX_ID.match(cid) and isinstance(categories, list)):
        return None
    if not (isinstance(revision, int) and isinstance(stamp, int)):
        return None
    if not all(isinstance(c, str) for c in categories) or not set(categories) <= set(
        OPTIONAL_CATEGORIES
    ):
        return None
    return Consent(cid, frozenset(categories), revision, stamp)


def signals_opt_out(req: Request) -> bool:
    """Global Privacy Control or Do Not Track: marketing is refused without asking."""
    return (
        req.headers.get("Sec-GPC", "").strip() == "1" or req.headers.get("DNT", "").strip() == "1"
    )


def _lifetime_seconds() -> int:
    return _max_age_of(current_app.config["WINLAS_CONSENT_MONTHS"])


@lru_cache(maxsize=16)
def _max_age_of(_months: int) -> int:
    # keyed on the setting: the registry computes it, once per value
    max_age = registered(CONSENT_COOKIE).max_age()
    assert max_age is not None, "the consent cookie lives WINLAS_CONSENT_MONTHS, not a session"
    return max_age


def read(req: Request) -> tuple[Consent | None, str | None]:
    """(the valid consent of this request or None, the consent id to keep when asking again)."""
    if "consent" not in g:
        found = _parse(req.cookies.get(CONSENT_COOKIE))
        valid = found
        if found is not None and (
            found.revision != REVISION or time.time() - found.timestamp > _lifetime_seconds()
        ):
            valid = None  # an older declaration or an expired choice: ask again
        g.consent = valid
        g.consent_id = found.id if found else None
    return g.consent, g.consent_id


def current(req: Request | None = None) -> Consent | None:
    """The valid consent of the request, or None when the visitor has not decided."""
    return read(req or request)[0]


def allows(req: Request | None, category: str) -> bool:
    """Whether ``category`` may be used for this request: the one gate every feature asks."""
    if category == "necessary":
        return True
    req = req or request
    consent = current(req)
    if consent is None or category not in consent.categories:
        return False
    return not (category == "marketing" and signals_opt_out(req))


def variant(req: Request | None = None) -> str:
    """A short key of what the consent changes on a page (banner or not, tracker, switches)."""
    req = req or request
    consent = current(req)
    if consent is None:
        return "ask-gpc" if signals_opt_out(req) else "ask"
    flags = (allows(req, "statistics"), allows(req, "marketing"), signals_opt_out(req))
    return "s{:d}m{:d}g{:d}".format(*flags)


def refusal_due(req: Request) -> bool:
    """A stored "yes" to marketing meets a GPC/DNT signal: the refusal must be recorded (and
    its cookie set) in the answer to this request, whatever page it is."""
    consent = current(req)
    return consent is not None and "marketing" in consent.categories and signals_opt_out(req)


def decide(action: str, wanted: set[str], path: str, ua_family: str) -> Consent:
    """Record a decision and make it the request's consent; the caller sets the cookie."""
    req = request
    granted = set(wanted) & set(OPTIONAL_CATEGORIES)
    gpc = signals_opt_out(req)
    if gpc:
        granted.discard("marketing")
    previous, previous_id = read(req)
    if action == "custom" and previous is not None and previous.categories - granted:
        action = "withdraw"
    consent = Consent(
        previous_id or uuid.uuid4().hex, frozenset(granted), REVISION, int(time.time())
    )
    ConsentRecord.create(
        consent_id=consent.id,
        action=action,
        statistics="statistics" in granted,
        marketing="marketing" in granted,
        gpc=gpc,
        revision=REVISION,
        texts_sha256=texts_digest(),
        language=current_language(),
        path=path[:200],
        ua_family=ua_family[:50],
    )
    g.consent = consent
    g.consent_id = consent.id
    return consent


def store(response: Response, consent: Consent) -> Response:
    """Set the consent cookie and delete, in the same response, what a refused category left.

    A yes to statistics also brings the visitor id, here rather than with the tracker's first
    call: a page's first beacons go out together, and each would otherwise get an id of its own.
    (The collect endpoint still issues one when it has expired.)
    """
    config = current_app.config
    secure = request.is_secure or config["SESSION_COOKIE_SECURE"]
    response.set_cookie(
        CONSENT_COOKIE,
        signing.sign(signing.CONSENT, consent.payload()),
        max_age=_lifetime_seconds(),
        domain=config["WINLAS_COOKIE_DOMAIN"] or None,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    for category in OPTIONAL_CATEGORIES:
        if category not in consent.categories:
            for cookie in in_category(category):
                if cookie.name in request.cookies:
                    response.delete_cookie(
                        cookie.name, secure=secure, httponly=True, samesite="Lax"
                    )
    # the visitor id is analytics' (its name and form): set with the choice, so the first page
    # view after a yes is already counted as this visitor
    visitor_cookie = current_app.config["ANALYTICS_VISITOR_COOKIE"]
    if "statistics" in consent.categories and not analytics.is_visitor_id(
        request.cookies.get(visitor_cookie, "")
    ):
        response.set_cookie(
            visitor_cookie,
            uuid.uuid4().hex,
            max_age=registered(visitor_cookie).max_age(),
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
    return response


def storage_to_clear(consent: Consent) -> list[str]:
    """Browser-storage keys of refused categories, for the script to remove."""
    return [
        entry.name
        for category in OPTIONAL_CATEGORIES
        if category not in consent.categories
        for entry in in_category(category, kind=None)
        if entry.kind != "cookie"
    ]
