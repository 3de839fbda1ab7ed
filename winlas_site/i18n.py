"""Language: Swedish first, English complete. The choice lives in a necessary cookie."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from babel.support import NullTranslations
from flask import Flask, Request, request
from flask_babel import get_locale, get_translations
from markupsafe import Markup, escape

from . import clock, pagecache

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANGUAGE_COOKIE = "winlas_lang"


def language_of(req: Request) -> str:
    """The language a request asks for: the language cookie, else Swedish."""
    chosen = req.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def select_locale() -> str:
    """Flask-Babel's locale selector: the language of the current request."""
    return language_of(request)


def current_language() -> str:
    """The language of the current request as a two-letter code."""
    return str(get_locale() or DEFAULT_LANGUAGE)


class Translated:
    """Mixin for content models that store ``<field>_sv`` and ``<field>_en`` columns."""

    def t(self, field: str) -> str:
        """The field in the current language, falling back to Swedish when empty."""
        value = getattr(self, f"{field}_{current_language()}", None)
        return value or getattr(self, f"{field}_{DEFAULT_LANGUAGE}")

    def t_lines(self, field: str) -> list[str]:
        """A newline-separated field as a list of non-empty lines."""
        return [line for line in self.t(field).splitlines() if line.strip()]

    def t_paragraphs(self, field: str) -> list[str]:
        """A blank-line-separated field as a list of paragraphs."""
        return [part.strip() for part in self.t(field).split("\n\n") if part.strip()]


def swedish_time(moment: datetime.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (naive UTC) as staff read it, in Swedish local time: "2026-12-03 14:05";
    '' for None. Staff work in Sweden whatever language the page is in."""
    local = clock.to_local(moment)
    return "" if local is None else local.strftime(pattern)


class Catalogues:
    """The template callables of ``_()`` and its kin for one app.

    Templates call ``_()`` some thirty times a page, and Flask-Babel's callables find the
    request's locale and then, through the same context lookups again, its catalogue, every
    time. The catalogue of a locale does not change while the app runs (Flask-Babel keeps it
    for good too), so only the locale, which ``force_locale`` (mails) can change within a
    request, is looked up; the rest is one dictionary read.
    """

    def __init__(self) -> None:
        self.by_locale: dict[object, NullTranslations] = {}

    def current(self) -> NullTranslations:
        """The translations of the current locale (what Flask-Babel's ``get_translations``
        returns)."""
        locale = get_locale()
        found = self.by_locale.get(locale)
        if found is None:
            found = self.by_locale[locale] = get_translations()
        return found

    def gettext(self, string: str) -> str:
        return self.current().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.current().ungettext(singular, plural, n)

    def pgettext(self, msgctxt: str, string: str) -> str:
        return self.current().upgettext(msgctxt, string)

    def npgettext(self, msgctxt: str, singular: str, plural: str, n: int) -> str:
        return self.current().unpgettext(msgctxt, singular, plural, n)


_translated: dict[tuple[int, str], dict[str, Markup]] = {}


def translated(texts: Mapping[str, object]) -> dict[str, Markup]:
    """A module-level table of lazy texts (the banner's) in the current language, translated
    once per language and process: a lazy text is translated again every time it is shown,
    some twenty times on every page with the banner. Each as Markup, as the template's
    autoescape turns a lazy text (which says it is markup) into it."""
    key = (id(texts), current_language())
    found = _translated.get(key)
    if found is None:
        found = _translated[key] = {name: escape(text) for name, text in texts.items()}
    return found


def init_app(app: Flask) -> None:
    """Expose the language helpers to templates; cached pages differ by language."""
    app.jinja_env.globals.update(current_language=current_language, LANGUAGES=LANGUAGES)
    app.jinja_env.filters["swedish_time"] = swedish_time
    app.jinja_env.filters["translated"] = translated
    # replaces Flask-Babel's own callables (installed by babel.init_app, which runs first)
    catalogues = Catalogues()
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=catalogues.gettext,
        ngettext=catalogues.ngettext,
        pgettext=catalogues.pgettext,
        npgettext=catalogues.npgettext,
        newstyle=True,
    )
    pagecache.vary_on(app, language_of)
