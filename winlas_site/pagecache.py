"""A small in-process cache of public pages as anonymous visitors see them.

Product, course and news pages are the same for every anonymous visitor in one language, yet
rendering one costs a query or two and a template. Like a reverse proxy's micro-cache, this keeps
the rendered HTML for a few seconds per worker, keyed on the path and on the cookies that change
what is rendered.

The cache is opt-in: only endpoints the access table (``winlas_site/access.py``) declares
cacheable are ever looked up or stored; every other page is never cached, whatever headers it
sets (a consent receipt once said ``no-store`` and was cached anyway). On top of that, a request
carrying a session or remember-me cookie is never served from or stored in the cache, nor is a
response that sets a cookie, says ``no-store``/``private``, is not a 200 HTML page, or used a CSP
nonce.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request, session

from . import access

# a response that says any of these is personal or must not be kept, even on a cacheable page
UNCACHEABLE_DIRECTIVES = ("no-store", "private", "no-cache")


def vary_on(app: Flask, variant: Callable[[], str]) -> None:
    """Declare something besides the path that changes a rendered page (the language, the
    consent banner): ``variant`` returns a short string for the current request."""
    app.extensions.setdefault("page_cache_variants", []).append(variant)


def _variants() -> list[Callable[[], str]]:
    return current_app.extensions.get("page_cache_variants", [])


class PageCache:
    """A bounded LRU of (body, content type, expiry) keyed on path and varying cookies."""

    def __init__(self, ttl: float, max_entries: int = 512):
        self.ttl = ttl
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple, tuple[bytes, str, float]] = OrderedDict()

    def key(self) -> tuple | None:
        """The cache key of the current request, or None when it must not be cached."""
        if request.method != "GET" or request.endpoint is None or not access.cacheable():
            return None
        config = current_app.config
        cookies = request.cookies
        if config["SESSION_COOKIE_NAME"] in cookies or config["REMEMBER_COOKIE_NAME"] in cookies:
            return None
        try:
            path = request.full_path
        except UnicodeDecodeError:  # raw bytes in the query string: the view answers 400
            return None
        if len(path) > 512:
            return None
        return (path, *(vary() for vary in _variants()))

    def lookup(self) -> Response | None:
        """before_request: answer from the cache when a fresh entry exists."""
        key = self.key()
        g.page_cache_key = key
        if key is None:
            return None
        entry = self.entries.get(key)
        if entry is None or entry[2] < time.monotonic():
            return None
        self.entries.move_to_end(key)
        g.page_cache_hit = True
        return Response(entry[0], content_type=entry[1])

    def store(self, response: Response) -> Response:
        """after_request: keep a 200 HTML page rendered for an anonymous visitor."""
        key = g.get("page_cache_key")
        if (
            key is None
            or g.get("page_cache_hit")
            or response.status_code != 200
            or response.mimetype != "text/html"
            or response.direct_passthrough
            or "Set-Cookie" in response.headers
            or any(d in response.headers.get("Cache-Control", "") for d in UNCACHEABLE_DIRECTIVES)
            # the session cookie is written after this hook: a modified session means one.
            or session.modified
            or "csp_nonce" in g
        ):
            return response
        self.entries[key] = (
            response.get_data(),
            response.content_type,
            time.monotonic() + self.ttl,
        )
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)
        return response

    def clear(self) -> None:
        self.entries.clear()


def init_app(app: Flask) -> None:
    """Install the cache first, so a hit skips the other before-request work."""
    ttl = app.config["WINLAS_PAGE_CACHE_SECONDS"]
    if ttl <= 0:
        return
    cache = PageCache(ttl)
    app.extensions["page_cache"] = cache
    app.before_request_funcs.setdefault(None, []).insert(0, cache.lookup)
    app.after_request(cache.store)
