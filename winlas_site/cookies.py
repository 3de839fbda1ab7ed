"""The registry of every cookie and browser-storage key the site uses.

The consent banner, the cookie policy page, the consent records and the tests all read it. A
lifetime is declared here once; the code that sets a cookie takes it from here, so the policy
page cannot state another lifetime than the browser gets.

REVISION is the version of this declaration that visitors consent to. Change what a category
covers (a new cookie, a new purpose) and bump it: everyone is asked again. A test pins the digest
of the registry to the revision, so a change without a bump fails.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from flask import current_app
from flask_babel import gettext, ngettext

import analytics

from .i18n import current_language

REVISION = 1
DAY = 24 * 3600
MONTH_DAYS = 30
CATEGORIES = ("necessary", "statistics", "marketing")
OPTIONAL_CATEGORIES = ("statistics", "marketing")


@dataclass(frozen=True)
class Cookie:
    name: str
    category: str  # necessary | statistics | marketing
    purpose_sv: str
    purpose_en: str
    # None: ends with the browser session; an int: days; a str: the setting holding the days
    # (or, for "…_MONTHS" settings, months).
    days: int | str | None = None
    first_party: bool = True
    # "cookie", or "localStorage"/"sessionStorage" for keys kept by our scripts
    kind: str = "cookie"

    def purpose(self) -> str:
        return self.purpose_en if current_language() == "en" else self.purpose_sv

    def lifetime_days(self) -> int | None:
        """The lifetime in days (None for a cookie that ends with the browser session)."""
        if isinstance(self.days, str):
            value = int(current_app.config[self.days])
            return value * MONTH_DAYS if self.days.endswith("_MONTHS") else value
        return self.days

    def max_age(self) -> int | None:
        """The Max-Age to set, in seconds."""
        days = self.lifetime_days()
        return None if days is None else days * DAY

    def lifetime(self) -> str:
        """The lifetime in words, in the current language."""
        days = self.lifetime_days()
        if days is None:
            if self.kind == "sessionStorage":
                return gettext("Tills du stänger fliken")
            return gettext("Tills du stänger webbläsaren")
        return ngettext("%(num)d dag", "%(num)d dagar", days)


COOKIES: tuple[Cookie, ...] = (
    Cookie(
        "winlas_session",
        "necessary",
        "Håller dig inloggad och skyddar formulär mot förfalskade anrop (CSRF). "
        "Sätts först när du loggar in eller öppnar ett formulär.",
        "Keeps you logged in and protects forms against forged requests (CSRF). "
        "Set only when you log in or open a form.",
    ),
    Cookie(
        "winlas_remember",
        "necessary",
        "Håller dig inloggad mellan besök, bara om du kryssar i ”Kom ihåg mig”.",
        "Keeps you logged in between visits, only if you tick “Remember me”.",
        days="WINLAS_REMEMBER_DAYS",
    ),
    Cookie(
        "winlas_lang",
        "necessary",
        "Kommer ihåg vilket språk du har valt.",
        "Remembers the language you chose.",
        days=365,
    ),
    Cookie(
        "winlas_consent",
        "necessary",
        "Sparar ditt val i cookie-bannern (vilka kategorier du tillåter, när och under vilken "
        "version av cookiepolicyn), så att vi respekterar det och inte frågar igen.",
        "Stores your choice in the cookie banner (which categories you allow, when and under "
        "which version of the cookie policy), so we respect it and do not ask again.",
        days="WINLAS_CONSENT_MONTHS",
    ),
    Cookie(
        analytics.VISITOR_COOKIE,
        "statistics",
        "Ett slumpat besökar-id som låter vår egen statistik räkna unika besökare och besök. "
        "Delas inte med någon annan.",
        "A random visitor id that lets our own statistics count unique visitors and visits. "
        "Never shared with anyone.",
        days=395,
    ),
    Cookie(
        "winlas_track_queue",
        "statistics",
        "Håller statistikhändelser som ännu inte har skickats till vår server.",
        "Holds statistics events that have not yet been sent to our server.",
        kind="sessionStorage",
    ),
)


def declared(name: str) -> Cookie | None:
    """The registry entry for a cookie or storage key, or None when it is undeclared."""
    return next((cookie for cookie in COOKIES if cookie.name == name), None)


def registered(name: str) -> Cookie:
    """The registry entry of a cookie the site sets itself: an undeclared one is a bug."""
    cookie = declared(name)
    if cookie is None:
        raise LookupError(f"{name!r} is not declared in the cookie registry")
    return cookie


def in_category(category: str, kind: str | None = "cookie") -> list[Cookie]:
    """The entries of one category (of one kind; all kinds when ``kind`` is None)."""
    return [c for c in COOKIES if c.category == category and (kind is None or c.kind == kind)]


def registry_digest() -> str:
    """SHA-256 of everything the registry declares: what a consent was given to."""
    entries = [asdict(cookie) for cookie in COOKIES]
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()
