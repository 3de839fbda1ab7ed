"""The registry of every cookie the site sets: the cookie policy and the tests read it.

A cookie's lifetime is declared here once; the code that sets it and the policy page both take it
from here, so the page cannot state another lifetime than the browser gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext, ngettext

from .i18n import current_language

DAY = 24 * 3600


@dataclass(frozen=True)
class Cookie:
    name: str
    category: str  # necessary | statistics | marketing
    purpose_sv: str
    purpose_en: str
    # None: a session cookie; an int: days; a str: the setting that holds the number of days.
    days: int | str | None = None
    first_party: bool = True

    def purpose(self) -> str:
        return self.purpose_en if current_language() == "en" else self.purpose_sv

    def lifetime_days(self) -> int | None:
        """The lifetime in days (None for a cookie that ends with the browser session)."""
        if isinstance(self.days, str):
            return int(current_app.config[self.days])
        return self.days

    def max_age(self) -> int | None:
        """The Max-Age to set, in seconds."""
        days = self.lifetime_days()
        return None if days is None else days * DAY

    def lifetime(self) -> str:
        """The lifetime in words, in the current language."""
        days = self.lifetime_days()
        if days is None:
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
)

CATEGORIES = ("necessary", "statistics", "marketing")


def declared(name: str) -> Cookie | None:
    """The registry entry for a cookie name, or None when the cookie is undeclared."""
    return next((cookie for cookie in COOKIES if cookie.name == name), None)
