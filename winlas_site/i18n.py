"""Language: Swedish first, English complete. The choice lives in a necessary cookie."""

from __future__ import annotations

import datetime

from flask import Flask, request
from flask_babel import get_locale

from . import clock, pagecache

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANGUAGE_COOKIE = "winlas_lang"


def select_locale() -> str:
    """Flask-Babel's locale selector: the language cookie, else Swedish."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


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


def init_app(app: Flask) -> None:
    """Expose the language helpers to templates; cached pages differ by language."""
    app.jinja_env.globals.update(current_language=current_language, LANGUAGES=LANGUAGES)
    app.jinja_env.filters["swedish_time"] = swedish_time
    pagecache.vary_on(app, select_locale)
