"""Absolute links to the site's own pages, for email and other places without a request."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from .i18n import LANGUAGE_PARAMETER


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to a page of the site at ``WINLAS_SITE_URL``.

    Built without a request, so it is the public address even when the mail is rendered by a
    request that arrived under another host name (or by a worker).
    """
    site = urlsplit(current_app.config["WINLAS_SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


# -- issue 17: language --
# what may follow the site's address in a link: a path, a query or a fragment (a longer host
# name or port, "https://winlas.se.example", is another site)
_AFTER_SITE = r"(?=[/?#]|$|[\s\"'<>)\]])"
# a link ends at white space, a quote or an angle bracket; trailing punctuation is the sentence's
_LINK_REST = r"[^\s\"'<>]*"
_TRAILING = ".,;:!?)]"
# files, not pages (the open pixel, a calendar file, images): the same in every language
_FILE_PREFIXES = ("/static/", "/media/")
_FILE_SUFFIXES = (".gif", ".png", ".jpg", ".jpeg", ".webp", ".svg", ".ics", ".css", ".js")


def with_language(body: str, language: str, *, html: bool) -> str:
    """``body`` (a rendered mail) with ``lang=<language>`` on every link to the site's pages.

    The one place the email's language reaches its links, whichever feature built them: the
    page opens in that language in a browser that never chose one (``i18n.language_of``). The
    parameter goes outside any signed value (a token is a path segment or its own parameter),
    before the fragment, and not at all on a link that names a language already or on a file.
    ``html``: the body is HTML, where a query's ``&`` is written ``&amp;``.
    """
    site = current_app.config["WINLAS_SITE_URL"].rstrip("/")
    if not site:
        return body
    pattern = re.compile(re.escape(site) + _AFTER_SITE + _LINK_REST)
    ampersand = "&amp;" if html else "&"

    def add(match: re.Match[str]) -> str:
        link = match.group(0)
        stripped = link.rstrip(_TRAILING)
        tail = link[len(stripped) :]
        address, hash_mark, fragment = stripped.partition("#")
        path = address[len(site) :].split("?", 1)[0]
        query = address.partition("?")[2]
        names = {part.split("=", 1)[0] for part in query.replace("&amp;", "&").split("&")}
        if (
            path.startswith(_FILE_PREFIXES)
            or path.lower().endswith(_FILE_SUFFIXES)
            or LANGUAGE_PARAMETER in names
        ):
            return link
        if not path:
            address += "/"
        joined = ampersand if query else ("" if address.endswith("?") else "?")
        return f"{address}{joined}{LANGUAGE_PARAMETER}={language}{hash_mark}{fragment}{tail}"

    return pattern.sub(add, body)
