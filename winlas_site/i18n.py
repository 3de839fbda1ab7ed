"""Language: Swedish first, English complete. The choice lives in a necessary cookie.

A link in an email carries the email's language (``?lang=en``, added by ``links.with_language``
when the mail is rendered), so it opens in that language in a browser that never chose one;
the parameter is read for that request only and sets no cookie (issue 17).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from babel.support import NullTranslations
from flask import Flask, Request, request
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from markupsafe import Markup, escape

from . import clock, pagecache

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANGUAGE_COOKIE = "winlas_lang"
# the query parameter a link uses to name its language (links in email)
LANGUAGE_PARAMETER = "lang"

T = TypeVar("T")


def language_of(req: Request) -> str:
    """The language a request asks for: the language cookie, else the link's ``lang``
    parameter, else Swedish.

    The cookie is the visitor's own choice in this browser and wins over a link's language:
    the switch in the header sends them back to the page they were on, ``lang`` included.
    Anything but a known code is ignored. The page cache keys on this (``init_app``), so a
    cached Swedish page never answers ``?lang=en``.
    """
    chosen = req.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return link_language(req) or DEFAULT_LANGUAGE


def link_language(req: Request) -> str:
    """The valid ``lang`` parameter of a request's query string, or ''. A page a login stands
    before (``/logga-in?next=/crm/leads/5?lang=en``) takes the language of its ``next``."""
    args = req.args
    named = args.get(LANGUAGE_PARAMETER, "")
    if named in LANGUAGES:
        return named
    target = args.get("next", "")
    if LANGUAGE_PARAMETER in target:
        try:
            named = parse_qs(urlsplit(target).query).get(LANGUAGE_PARAMETER, [""])[0]
        except ValueError:  # not a URL ("http://["): no language, and never an error page
            return ""
        if named in LANGUAGES:
            return named
    return ""


def keep_language(url: str) -> str:
    """``url`` with the current request's ``lang`` parameter, when it has a valid one: the
    form on a page opened from an email posts back in the email's language."""
    named = link_language(request)
    if not named:
        return url
    return f"{url}{'&' if '?' in url else '?'}{LANGUAGE_PARAMETER}={named}"


def select_locale() -> str:
    """Flask-Babel's locale selector: the language of the current request."""
    return language_of(request)


def _babel_state() -> SimpleNamespace | None:
    """Flask-Babel's per-request namespace on ``g`` (the chosen locale, or the one
    ``force_locale`` sets for a mail), or None outside an app context or before its first use."""
    # the app context's own variable, not the ``g`` proxy: this runs some fifty times a page
    context = _cv_app.get(None)
    if context is None:
        return None
    return context.g.__dict__.get("_flask_babel")


def _derived(name: str, derive: Callable[[object], T]) -> T:
    """``derive(get_locale())``, kept beside the locale in Flask-Babel's namespace.

    A page asks for its language some fifty times (``_()``, ``current_language()``, ``t()``),
    and ``get_locale`` finds it through four context lookups each time; babel's ``Locale``
    compares slowly too. The value is kept with the very locale object it was derived from,
    so a ``force_locale`` block (a new object) and the next request (a new namespace) derive
    it again: nothing is shared between requests or languages.
    """
    state = _babel_state()
    if state is not None:
        kept = getattr(state, name, None)
        if kept is not None and kept[0] is getattr(state, "babel_locale", None):
            return kept[1]
    current = get_locale()
    value = derive(current)
    state = _babel_state()
    if state is not None and current is not None:
        setattr(state, name, (current, value))
    return value


def _language_of_locale(current: object) -> str:
    return str(current or DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language of the current request as a two-letter code."""
    return _derived("winlas_language", _language_of_locale)


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
    for good too): it is looked up once per request and locale (``_derived``), and again
    inside a ``force_locale`` block (mails).
    """

    def __init__(self) -> None:
        self.by_locale: dict[object, NullTranslations] = {}

    def current(self) -> NullTranslations:
        """The translations of the current locale (what Flask-Babel's ``get_translations``
        returns)."""
        return _derived("winlas_translations", self._of_locale)

    def _of_locale(self, current: object) -> NullTranslations:
        found = self.by_locale.get(current)
        if found is None:
            found = self.by_locale[current] = get_translations()
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
    app.jinja_env.globals.update(
        current_language=current_language, LANGUAGES=LANGUAGES, keep_language=keep_language
    )
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
