"""Response headers, the real client address behind proxies, and safe redirect targets."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable, Mapping
from typing import TypeVar
from urllib.parse import quote, urlsplit

from flask import Flask, Request, abort, g, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as BaseResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """WSGI middleware: take the client address from X-Forwarded-For only via trusted proxies.

    Werkzeug's ProxyFix trusts a fixed number of hops whoever sends the header; this walks the
    header from the right and stops at the first address that is not one of our proxies, the way
    nginx's real_ip_recursive does, so a client cannot choose its own address.
    """

    def __init__(self, wsgi_app, proxies: Iterable[str]):
        self.wsgi_app = wsgi_app
        self.networks: list[Network] = [ipaddress.ip_network(p, strict=False) for p in proxies]

    def is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client_address(self, remote_addr: str, forwarded_for: str) -> str:
        """The first untrusted address counting back from the connection's own peer."""
        if not self.is_trusted(remote_addr):
            return remote_addr
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.is_trusted(hop):
                try:
                    return str(ipaddress.ip_address(hop))
                except ValueError:
                    return remote_addr
        return hops[0] if hops else remote_addr

    def __call__(self, environ, start_response):
        remote = environ.get("REMOTE_ADDR", "")
        if self.is_trusted(remote):
            environ["REMOTE_ADDR"] = self.client_address(
                remote, environ.get("HTTP_X_FORWARDED_FOR", "")
            )
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in {"http", "https"}:
                environ["wsgi.url_scheme"] = proto
        return self.wsgi_app(environ, start_response)


BAD_QUERY = "winlas.bad_query"


class QueryStringGuard:
    """WSGI middleware: a query string whose raw bytes are not UTF-8 becomes a 400 page.

    Servers hand the raw bytes on (as latin-1); werkzeug decodes ``request.args`` and
    ``request.full_path`` strictly, so such a request raised UnicodeDecodeError in the view and
    again in the error page: a 500 on every page (docs/HOSTILE_INPUTS.md #5). The bytes are
    percent-encoded (what werkzeug keeps as literal text), so the 400 page itself renders. ASCII,
    the usual case, costs one ``isascii()``.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if query and not query.isascii():
            raw = query.encode("latin-1", "replace")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                environ["QUERY_STRING"] = quote(raw, safe="&=+%/;:,@!$'()*?~-._")
                environ[BAD_QUERY] = True
        return self.wsgi_app(environ, start_response)


def refuse_bad_query() -> None:
    """Before anything else (the page cache included): the guard's finding is a 400."""
    if request.environ.get(BAD_QUERY):
        abort(400)


def is_safe_redirect(target: str | None) -> bool:
    """True only for a same-site relative path such as ``/kundsidor?x=1``."""
    if not target or len(target) > 2000:
        return False
    # browsers strip tabs/newlines and read "\" as "/", turning "/\evil" into "//evil".
    if any(ch in target for ch in "\\\t\r\n\x00") or target != target.strip():
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def csp_nonce() -> str:
    """A per-response nonce for the rare inline script; using it adds it to the CSP."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy() -> str:
    scripts = "'self'"
    if "csp_nonce" in g:
        scripts += f" 'nonce-{g.csp_nonce}'"
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS_HEADER = "Strict-Transport-Security"
HSTS = "max-age=63072000; includeSubDomains"

# The one way the site sets caching headers (the page cache reads Cache-Control, so a response
# with either set is never kept). Returned as a view's headers (``return page, 200, PRIVATE``)
# or put on a response object with ``no_store``.
# a page that must not be stored anywhere (a form that may come back with what was typed)
NO_STORE = {"Cache-Control": "no-store"}
# pages with personal data or a secret in the URL: kept out of every cache and search index
PRIVATE = {**NO_STORE, "X-Robots-Tag": "noindex"}


# any response object: Flask's, or werkzeug's that redirect() makes
R = TypeVar("R", bound=BaseResponse)


def no_store(response: R, headers: Mapping[str, str] = NO_STORE) -> R:
    """Put ``NO_STORE`` (or ``PRIVATE``) on a response object; returns the response."""
    response.headers.update(headers)
    return response


def transport_headers(req: Request) -> list[tuple[str, str]]:
    """The headers that follow from how the request came (HSTS over HTTPS only); the page
    cache's fast path adds them to a cached page the same way."""
    return [(HSTS_HEADER, HSTS)] if req.is_secure else []


def security_headers(response) -> ResponseReturnValue:
    """Add the security headers to every response."""
    response.headers.update(STATIC_HEADERS)
    # a view may set a stricter policy of its own (an uploaded image: nothing may run in it)
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers.update(transport_headers(request))
    return response


def init_app(app: Flask) -> None:
    """Install the header hook."""
    app.after_request(security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # Flask documents wrapping wsgi_app for middleware; its stubs declare a method
    app.wsgi_app = QueryStringGuard(app.wsgi_app)  # type: ignore[method-assign]
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_bad_query)


def trust_proxies(app: Flask) -> None:
    """Read the client address from configured proxies. Installed last, outermost, so every
    other middleware (the collector's fast path among them) sees the real client."""
    if app.config["WINLAS_TRUSTED_PROXIES"]:
        app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]  # as above
            app.wsgi_app, app.config["WINLAS_TRUSTED_PROXIES"]
        )
