"""Language: Swedish first, English complete. The choice lives in a necessary cookie."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale

from . import pagecache

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


def init_app(app: Flask) -> None:
    """Expose the language helpers to templates; cached pages differ by language."""
    app.jinja_env.globals.update(current_language=current_language, LANGUAGES=LANGUAGES)
    pagecache.vary_on(app, select_locale)
