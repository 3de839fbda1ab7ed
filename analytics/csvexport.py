"""CSV for spreadsheets: opens in columns in a Swedish Excel, and is safe to open.

One rule for every CSV file the site and analytics hand out (issue 17):

- ``;`` between cells in every language. Excel splits a CSV on the list separator of the
  computer's regional settings, which is ``;`` wherever the decimal mark is a comma (Sweden,
  most of Europe): a comma file opens as one column there. WinLas' staff and customers work
  on Swedish computers whatever language the page is in, so the separator does not follow the
  page's language; with ``;`` a ``.`` decimal is never mistaken for a separator either.
- Numbers with the decimal mark of the request's language: ``0,25`` in Swedish (so a Swedish
  Excel reads a number, not text or a date), ``0.25`` in English. No thousands separator.
- Readable values: ``True``/``False`` as Ja/Nej (Yes/No); a date as ``2026-12-03``; an empty
  cell for None. Codes (a status, a type) are the caller's to turn into the words its HTML
  page shows; a time is the caller's to write in Swedish local time (a naive datetime here
  would be stored UTC, so one is refused rather than written wrong).
- UTF-8 with a BOM, so Excel reads å, ä, ö; CRLF line ends, as the csv module writes them; a
  cell holding ``;``, a quote or a line break is quoted.
- Formula-looking text is neutralised (hostile input 12): a page path, a campaign name, a
  click target or a name in a form is text from outside and may well start with ``=``.
  Numbers are numbers: a negative change (-0,25) is not a formula.

Here, in analytics, because analytics never imports the site; the site's CRM and staff exports
use it too (``winlas_site.crm.csvexport``).
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import math
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

# a cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

SEPARATOR = ";"
LANGUAGES = ("sv", "en")
DECIMAL_MARKS = {"sv": ",", "en": "."}
YES_NO = {"sv": ("Ja", "Nej"), "en": ("Yes", "No")}


def request_language() -> str:
    """The language of the current request ("sv" outside one, or for a language not known)."""
    locale = get_locale()
    language = locale.language if locale is not None else "sv"
    return language if language in LANGUAGES else "sv"


def page_words(template: str, **context: Any) -> Any:
    """The macros and label tables of ``template`` in the current request's language, so a
    CSV prints a code in the very words its HTML page prints. A new module every call: Jinja
    keeps ``Template.module`` for good, its top-level labels translated in the first
    language that asked."""
    return current_app.jinja_env.get_template(template).make_module(context)


def plain(markup: object) -> str:
    """A macro's output (escaped HTML) as the text it shows."""
    return markup.unescape() if isinstance(markup, Markup) else str(markup)


def neutralise(value: object) -> str:
    """Text as a cell, with a leading ' when a spreadsheet would read it as a formula.

    Numbers are written as they are: a negative change (-0.25) is a number, not a formula."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number_text(value: float | decimal.Decimal, language: str) -> str:
    """A decimal number in plain notation (never 1e-05) with the language's decimal mark;
    '' for a number that is not one (NaN, infinity)."""
    exact = value if isinstance(value, decimal.Decimal) else decimal.Decimal(repr(value))
    if not exact.is_finite():
        return ""
    return format(exact, "f").replace(".", DECIMAL_MARKS[language])


def cell(value: object, language: str) -> str:
    """One value as its cell's text in ``language`` ("sv" or "en")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        yes, no = YES_NO[language]
        return yes if value else no
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | decimal.Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        return number_text(value, language)
    if isinstance(value, datetime.datetime):
        # stored times are naive UTC: the caller writes them in Swedish local time, as text
        raise TypeError("a time goes into a CSV cell as local-time text, not a datetime")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(value)


def to_csv(header: list[str], rows: Iterable[Iterable[object]], *, language: str) -> str:
    """A CSV document of ``rows`` under ``header``, every cell written by ``cell`` in
    ``language`` (the request's: ``request_language()``); see the module for the rule."""
    if language not in LANGUAGES:
        raise ValueError(f"no CSV rule for language {language!r}")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=SEPARATOR)
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([cell(value, language) for value in row])
    return buffer.getvalue()
