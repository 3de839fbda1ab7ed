"""What templates ask for many times with the same inputs, answered from a per-process table.

A page calls ``url_for`` some forty times (the menus, the footer, the cards), and Flask builds
each link through the URL map again: the same endpoint and values give the same path every
time. ``url_for`` here keeps the paths already built, keyed on everything the path depends on:
the endpoint, the values in the order given (they become the query string in that order) and
the script root the site is mounted under. Only what depends on nothing else is kept: a
relative endpoint (``.index``, which depends on the request's blueprint), ``_anchor``,
``_external`` and the other options, an app with ``url_defaults`` functions, a call outside a
request and a value that cannot be a key all go to Flask's own ``url_for`` every time.

Dates shown in the current language are kept the same way, keyed on the date, the format and
the locale (``dateformat``): a date has no time zone to convert. English dates are written the
way Europe reads them, day before month and a 24-hour clock ("19 May 2027", "19 May 2027,
14:05"): Babel's British English, not its American default (``DATE_LOCALES``, issue 17).

Parts of the layout that are the same on many pages (the main menu, the footer, the consent
banner) are rendered once per process and key with ``{% call cached("name", input, ...) %}...
{% endcall %}``. The key must name every input of the part: the language when it translates,
``request.script_root`` when it links, each request or consent value it reads. A part that
shows anything personal (a user's name, a CSRF token) is never wrapped in ``cached``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from babel import dates
from flask import Flask, has_request_context, request
from flask_babel import get_timezone, to_user_timezone
from markupsafe import Markup

from .i18n import current_language

# a table never outgrows this many entries: it is emptied and fills again (the links of a site
# are a few hundred; ``next=`` values follow the pages visited)
MAX_ENTRIES = 4096
V = TypeVar("V")


def _kept(table: dict[Any, V], key: Any, make: Callable[[], V]) -> V:
    """``table[key]``, made and kept on the first ask; the table is emptied when full."""
    found = table.get(key)
    if found is None:
        found = make()
        if len(table) >= MAX_ENTRIES:
            table.clear()
        table[key] = found
    return found


def memoised_url_for(app: Flask) -> Callable[..., str]:
    """``url_for`` for ``app``'s templates, answering repeated links from a table."""
    build = app.url_for
    paths: dict[tuple[Any, ...], str] = {}

    def url_for(endpoint: str, /, **values: Any) -> str:
        if (
            endpoint[:1] == "."
            or not has_request_context()
            or any(name[:1] == "_" for name in values)
            or any(app.url_default_functions.values())
        ):
            return build(endpoint, **values)
        key = (
            endpoint,
            request.script_root,
            *((name, type(value), value) for name, value in values.items()),
        )
        try:
            hash(key)
        except TypeError:  # a value that cannot be a key (a list): built every time
            return build(endpoint, **values)
        return _kept(paths, key, lambda: build(endpoint, **values))

    return url_for


_dates: dict[tuple[Any, ...], str] = {}

# the Babel locale dates and times are written in, per language (others: the language itself)
DATE_LOCALES = {"en": "en_GB"}
# ``datetimeformat`` without a format: the long date and the 24-hour time, no seconds
DATETIME_PATTERNS = {"sv": "d MMMM y HH:mm", "en": "d MMMM y, HH:mm"}


def date_locale() -> str:
    """The locale dates are formatted in for the current language: "19 maj 2027" in Swedish,
    "19 May 2027" (not "May 19, 2027") in English."""
    language = current_language()
    return DATE_LOCALES.get(language, language)


def format_date(value: datetime.date | datetime.datetime, format: str | None = None) -> str:
    """Flask-Babel's ``format_date`` in ``date_locale()``: a datetime is converted to the
    visitor's time zone first; ``format`` is a Babel width or pattern (default ``medium``)."""
    if isinstance(value, datetime.datetime):
        value = to_user_timezone(value)
    return dates.format_date(value, format or "medium", locale=date_locale())


def datetimeformat(value: datetime.datetime, format: str | None = None) -> str:
    """A time with its date in the visitor's time zone, in ``date_locale()``; without a format
    "19 May 2027, 14:05" / "19 maj 2027 14:05"."""
    pattern = format or DATETIME_PATTERNS.get(current_language(), DATETIME_PATTERNS["sv"])
    return dates.format_datetime(value, pattern, tzinfo=get_timezone(), locale=date_locale())


def timeformat(value: datetime.datetime | datetime.time, format: str | None = None) -> str:
    """A time of day in ``date_locale()`` (24 hours in both languages; default "14:05")."""
    if isinstance(value, datetime.datetime):
        value = to_user_timezone(value)
    return dates.format_time(value, format or "short", locale=date_locale())


def dateformat(value: Any, format: str | None = None) -> str:
    """Flask-Babel's ``dateformat`` filter in ``date_locale()``, a date kept per format and
    language."""
    if type(value) is not datetime.date:
        # a datetime is converted to the visitor's time zone first: not a pure value of it
        return format_date(value, format)
    return _kept(_dates, (value, format, current_language()), lambda: format_date(value, format))


def part_cache() -> Callable[..., Markup]:
    """The ``cached`` template global: ``{% call cached("name", input, ...) %}body{% endcall %}``
    renders the body once per key and process (a plain ``call`` block, which the message
    extraction reads like any other template code). A part is a pure function of the inputs
    its key names (see the module's docstring), so it never goes stale; the table is bounded
    like the others."""
    parts: dict[tuple[Any, ...], Markup] = {}

    def cached(*key: Any, caller: Callable[[], Markup]) -> Markup:
        return _kept(parts, key, caller)

    return cached


def init_app(app: Flask) -> None:
    """Install the memoised ``url_for`` and ``dateformat`` (after Flask-Babel's filters) and
    the ``cached`` parts."""
    app.jinja_env.globals.update(url_for=memoised_url_for(app), cached=part_cache())
    app.jinja_env.filters["dateformat"] = dateformat
    app.jinja_env.filters["datetimeformat"] = datetimeformat
    app.jinja_env.filters["timeformat"] = timeformat
