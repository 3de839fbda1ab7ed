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

Two ways answer from it. ``FastPages``, a WSGI layer in front of Flask, answers a GET or HEAD
without a login cookie straight from an entry, with the headers the full path sent when it
stored the entry (security headers, Vary...): no routing, session, hooks or teardown run. Every
other request goes through Flask, whose first hooks answer from the body alone (``lookup``) when
the layer could not: a cookie that only looks like a login, an entry whose headers are not
recorded yet.

Both ways also count the page for the statistics' coverage (issue 16): a GET answered 200 with a
page the access table marks ``tracked`` (where the tracker would record a page view) is counted
per UTC day and path by ``analytics.count_page_request``, for every visitor, consent or not;
robots are left out by their User-Agent. Only the day, the path and a number are kept: no
cookie is set or read for it, and nothing about the visitor is stored (README, "How much the
statistics see"). The layer counts a cached page from its entry, Flask's last after-request
hook every other page, so each request counts once whichever way answers it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import Flask, Request, Response, current_app, g, request, session
from werkzeug.exceptions import SecurityError
from werkzeug.http import HTTP_STATUS_CODES

import analytics

from . import access, security

if TYPE_CHECKING:  # typeshed's WSGI types exist for the type checker only
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# a response that says any of these is personal or must not be kept, even on a cacheable page
UNCACHEABLE_DIRECTIVES = ("no-store", "private", "no-cache")
# the key under which ``store`` kept this request's answer, for the WSGI layer to add the headers
STORED = "winlas.page_cache_stored"
# headers the full path derives from the request, not the page: left out of an entry, recomputed
PER_REQUEST_HEADERS = frozenset({security.HSTS_HEADER.lower()})

Variant = Callable[[Request], str]
Headers = list[tuple[str, str]]
# body, content type, expiry, the full path's headers (None until recorded), and the path the
# request count counts a hit as (None: not a tracked page)
Entry = tuple[bytes, str, float, Headers | None, str | None]


def vary_on(app: Flask, variant: Variant) -> None:
    """Declare something besides the path that changes a rendered page (the language, the
    consent banner): ``variant(request)`` returns a short string for a request."""
    app.extensions.setdefault("page_cache_variants", []).append(variant)


def pass_through_when(app: Flask, condition: Callable[[Request], bool]) -> None:
    """Declare a request the full path must answer even from the cache, because one of its
    hooks does per-request work on a cached page (a GPC refusal to record): the WSGI layer
    leaves such a request to Flask."""
    app.extensions.setdefault("page_cache_pass_through", []).append(condition)


def cache_key(app: Flask, req: Request) -> tuple | None:
    """The key of an anonymous request for a cacheable page, or None when it must not be
    cached (a login cookie, undecodable or overlong path). One function for both ways in."""
    config = app.config
    cookies = req.cookies
    if config["SESSION_COOKIE_NAME"] in cookies or config["REMEMBER_COOKIE_NAME"] in cookies:
        return None
    try:
        path = req.full_path
    except UnicodeDecodeError:  # raw bytes in the query string: the view answers 400
        return None
    if len(path) > 512:
        return None
    return (path, *(vary(req) for vary in app.extensions.get("page_cache_variants", ())))


class PageCache:
    """A bounded LRU of (body, content type, expiry, headers) keyed on path and variants; the
    headers are the full path's, once the WSGI layer has seen them (None until then)."""

    def __init__(self, ttl: float, max_entries: int = 512):
        self.ttl = ttl
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()

    def key(self) -> tuple | None:
        """The cache key of the current request, or None when it must not be cached."""
        if request.method != "GET" or request.endpoint is None or not access.cacheable():
            return None
        return cache_key(current_app, request)

    def fresh(self, key: tuple) -> Entry | None:
        """The entry of ``key`` unless it is missing or expired."""
        entry = self.entries.get(key)
        if entry is None or entry[2] < time.monotonic():
            return None
        self.entries.move_to_end(key)
        return entry

    def lookup(self) -> Response | None:
        """before_request: answer from the cache when a fresh entry exists."""
        key = self.key()
        g.page_cache_key = key
        if key is None:
            return None
        entry = self.fresh(key)
        if entry is None:
            return None
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
            None,
            wsgi_path(request.environ) if access.tracked() else None,
        )
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)
        request.environ[STORED] = key
        return response

    def record_headers(self, key: tuple, status: str, headers: Headers) -> None:
        """The full path's final answer to the request that stored ``key``: keep its headers
        for the WSGI layer, or drop the entry when something after ``store`` made it personal
        (a cookie) or not a plain 200."""
        entry = self.entries.get(key)
        if entry is None:
            return
        names = {name.lower() for name, _value in headers}
        if not status.startswith("200 ") or "set-cookie" in names:
            del self.entries[key]
            return
        kept = [(name, value) for name, value in headers if name.lower() not in PER_REQUEST_HEADERS]
        self.entries[key] = (*entry[:3], kept, entry[4])

    def clear(self) -> None:
        self.entries.clear()


class FastPages:
    """WSGI middleware: a GET or HEAD of a cached public page without a login cookie is
    answered from the cache before Flask's per-request machinery (routing, session, hooks,
    teardown). The key is made by the same ``cache_key`` and variant functions as the full
    path's; whatever the layer cannot answer exactly as the full path would goes to Flask.
    """

    def __init__(self, wsgi_app: WSGIApplication, app: Flask, cache: PageCache):
        self.wsgi_app = wsgi_app
        self.app = app
        self.cache = cache

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method == "GET" or method == "HEAD":
            answer = self._from_cache(environ, start_response)
            if answer is not None:
                return answer
            if method == "GET":
                return self.wsgi_app(environ, self._recording(environ, start_response))
        return self.wsgi_app(environ, start_response)

    def _from_cache(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> list[bytes] | None:
        cache = self.cache
        # an empty cache, or raw bytes in the query string (the query guard's and the view's)
        if not cache.entries or not environ.get("QUERY_STRING", "").isascii():
            return None
        app = self.app
        with app.app_context():
            req = app.request_class(environ)
            trusted = app.config["TRUSTED_HOSTS"]
            if trusted is not None:
                req.trusted_hosts = trusted
                try:
                    req.host  # noqa: B018 - a Host we do not serve: Flask answers 400
                except SecurityError:
                    return None
            key = cache_key(app, req)
            if key is None:
                return None
            entry = cache.fresh(key)
            if entry is None or entry[3] is None:
                return None
            if any(
                condition(req) for condition in app.extensions.get("page_cache_pass_through", ())
            ):
                return None
            headers = entry[3] + security.transport_headers(req)
            if entry[4] is not None and environ["REQUEST_METHOD"] == "GET":
                # a page view like any other for the request count (a HEAD is none)
                analytics.count_page_request(entry[4], environ.get("HTTP_USER_AGENT", ""), app)
        start_response(f"200 {HTTP_STATUS_CODES[200]}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [entry[0]]

    def _recording(self, environ: WSGIEnvironment, start_response: StartResponse) -> StartResponse:
        """``start_response`` that hands the final headers of a stored page to the cache (Flask
        calls it after every hook and the session have had their say)."""

        def recording(status, headers, exc_info=None):
            key = environ.get(STORED)
            if key is not None:
                self.cache.record_headers(key, status, headers)
            return start_response(status, headers, exc_info)

        return recording


def wsgi_path(environ: WSGIEnvironment) -> str:
    """The request's path as the browser asked for it (the script root included, as the
    tracker's ``location.pathname``), in WSGI's latin-1 form: analytics normalises it."""
    return environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")


def count_request(response: Response) -> Response:
    """after_request, the last to run: count a public page answered through Flask (rendered,
    or from the cache by ``lookup``) for the request count; the WSGI layer counts its own."""
    if (
        response.status_code == 200
        and request.method == "GET"
        and response.mimetype == "text/html"
        and access.tracked()
    ):
        analytics.count_page_request(
            wsgi_path(request.environ), request.headers.get("User-Agent", "")
        )
    return response


def init_app(app: Flask) -> None:
    """Count public pages (whether the cache is on or not); install the cache first, so a hit
    skips the other before-request work."""
    # the first after-request hook registered runs last: it sees the final status
    app.after_request(count_request)
    ttl = app.config["WINLAS_PAGE_CACHE_SECONDS"]
    if ttl <= 0:
        return
    cache = PageCache(ttl)
    app.extensions["page_cache"] = cache
    app.before_request_funcs.setdefault(None, []).insert(0, cache.lookup)
    app.after_request(cache.store)


def install_fast_path(app: Flask) -> None:
    """Put ``FastPages`` in front of the app (after the other middleware but the proxy one,
    which must see the request first, so the layer reads the real scheme for HSTS)."""
    cache = app.extensions.get("page_cache")
    if cache is None:  # the cache is off
        return
    # Flask documents wrapping wsgi_app for middleware; its stubs declare a method
    app.wsgi_app = FastPages(app.wsgi_app, app, cache)  # type: ignore[method-assign]
