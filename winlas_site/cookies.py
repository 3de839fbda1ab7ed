"""The registry of every cookie the site sets: the cookie policy and the tests read it."""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import current_language


@dataclass(frozen=True)
class Cookie:
    name: str
    category: str  # necessary | statistics | marketing
    purpose_sv: str
    purpose_en: str
    lifetime_sv: str
    lifetime_en: str
    first_party: bool = True

    def purpose(self) -> str:
        return self.purpose_en if current_language() == "en" else self.purpose_sv

    def lifetime(self) -> str:
        return self.lifetime_en if current_language() == "en" else self.lifetime_sv


COOKIES: tuple[Cookie, ...] = (
    Cookie(
        "winlas_session",
        "necessary",
        "Håller dig inloggad och skyddar formulär mot förfalskade anrop (CSRF). "
        "Sätts först när du loggar in eller öppnar ett formulär.",
        "Keeps you logged in and protects forms against forged requests (CSRF). "
        "Set only when you log in or open a form.",
        "Tills du stänger webbläsaren",
        "Until you close the browser",
    ),
    Cookie(
        "winlas_remember",
        "necessary",
        "Håller dig inloggad mellan besök, bara om du kryssar i ”Kom ihåg mig”.",
        "Keeps you logged in between visits, only if you tick “Remember me”.",
        "14 dagar",
        "14 days",
    ),
    Cookie(
        "winlas_lang",
        "necessary",
        "Kommer ihåg vilket språk du har valt.",
        "Remembers the language you chose.",
        "1 år",
        "1 year",
    ),
)

CATEGORIES = ("necessary", "statistics", "marketing")


def declared(name: str) -> Cookie | None:
    """The registry entry for a cookie name, or None when the cookie is undeclared."""
    return next((cookie for cookie in COOKIES if cookie.name == name), None)
