"""POST /api/collect: validate, enrich, anonymise, spool; answer 202 only once it is durable."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Request, Response, request
from flask.ctx import RequestContext
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.http import HTTP_STATUS_CODES, dump_cookie, parse_cookie
from werkzeug.sansio.utils import get_host
from werkzeug.utils import cached_property

from . import clock
from .enrich import anonymise_ip, classify_referrer, scrub_label, scrub_target, scrub_url
from .line import VISITOR_ID, Agent, Geo, RequestLine, SpoolEvent, dumps
from .payload import IncomingEvent, PayloadError, parse
from .state import current
from .useragent import Client, classify

if TYPE_CHECKING:  # typeshed's WSGI types exist for the type checker only
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ACCEPTED_TYPES = ("application/json", "text/plain")  # sendBeacon sends text/plain

# pages, referrers and targets repeat across visitors: each distinct string is scrubbed once
_scrub = lru_cache(maxsize=8192)(scrub_url)
_referrer = lru_cache(maxsize=8192)(classify_referrer)
_anonymise = lru_cache(maxsize=8192)(anonymise_ip)
_target = lru_cache(maxsize=8192)(scrub_target)
_label = lru_cache(maxsize=8192)(scrub_label)
_is_visitor_id = VISITOR_ID.fullmatch


def blueprint() -> Blueprint:
    """The collect route, for URL building and for Flask's answers to other methods (405),
    and analytics' own static files (the tracker, the dashboard's CSS) at /analytics/static/,
    endpoint ``analytics.static``.

    A POST never reaches the route when the fast path below is installed.
    """
    bp = Blueprint(
        "analytics", __name__, static_folder="static", static_url_path="/analytics/static"
    )
    bp.add_url_rule("/api/collect", "collect", route, methods=["POST"])
    return bp


class FastPath:
    """WSGI middleware: answers POST /api/collect without the page app's machinery (routing,
    session, page cache, rate limiter, CSRF, HTML security hooks): ingest does only what
    ingest needs, next to bare Flask's speed. A request carrying a login cookie gets a full
    request context, so the visit can be linked to the user.
    """

    def __init__(self, wsgi_app: WSGIApplication, app: Flask, headers: dict[str, str]):
        self.wsgi_app = wsgi_app
        self.app = app
        self.headers = list(headers.items())
        self.login_cookies = (
            app.config["SESSION_COOKIE_NAME"] + "=",
            app.config["REMEMBER_COOKIE_NAME"] + "=",
        )
        self.request_class = _with_cached_cookies(app.request_class)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/api/collect" or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        cookies = environ.get("HTTP_COOKIE", "")
        if any(name in cookies for name in self.login_cookies):
            with RequestContext(self.app, environ):
                state = self.app.extensions["analytics"]
                return self._answer(
                    _current_request(),
                    state.host.current_user_id(),
                    environ,
                    start_response,
                )
        with self.app.app_context():
            return self._answer(self.request_class(environ), None, environ, start_response)

    def _answer(
        self,
        req: Request,
        user_id: int | None,
        environ: WSGIEnvironment,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        trusted = self.app.config["TRUSTED_HOSTS"]
        host = _trusted_host(
            req.scheme, environ.get("HTTP_HOST"), req.server, tuple(trusted) if trusted else None
        )
        if host is None:
            return refuse(400, "untrusted host").wsgi(start_response, self.headers)
        try:
            response = collect(req, user_id, host)
        except HTTPException as error:  # 413 from reading the body, say
            response = refuse(error.code or 400, error.description or error.name)
        return response.wsgi(start_response, self.headers)


def _with_cached_cookies(base: type[Request]) -> type[Request]:
    """The app's request class, with the Cookie header parsed once per distinct value: a
    visitor sends the same header with each tracker call, and werkzeug's parsing (every
    environ key walked, every pair unquoted) was the largest single cost of an anonymous
    request. The parsed cookies are immutable, so requests can share them."""

    class CachedCookies(base):  # type: ignore[valid-type,misc]
        @cached_property
        def cookies(self) -> ImmutableMultiDict[str, str]:
            return _parsed_cookies(self.environ.get("HTTP_COOKIE", ""))

    return CachedCookies


@lru_cache(maxsize=4096)
def _parsed_cookies(header: str) -> ImmutableMultiDict[str, str]:
    return cast(ImmutableMultiDict[str, str], parse_cookie(header, cls=ImmutableMultiDict))


@lru_cache(maxsize=256)
def _trusted_host(
    scheme: str,
    host_header: str | None,
    server: tuple[str, int | None] | None,
    trusted: tuple[str, ...] | None,
) -> str | None:
    """werkzeug's ``Request.host`` (the Host header checked against TRUSTED_HOSTS), worked out
    once per distinct header: its IDNA encoding of every trusted name cost more than the
    rest of a request's checks. None for a host this site does not serve."""
    try:
        return get_host(scheme, host_header, server, trusted)
    except SecurityError:
        return None


@dataclass
class Reply:
    """A JSON answer as status, body and extra headers: written straight to WSGI by the fast
    path (a werkzeug Response and its header handling cost more than the rest of the work)."""

    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]] = field(default_factory=list)

    def wsgi(self, start_response: StartResponse, headers: list[tuple[str, str]]) -> list[bytes]:
        data = dumps(self.body).encode()
        start_response(
            f"{self.status} {HTTP_STATUS_CODES.get(self.status, '')}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(data))),
                *headers,
                *self.headers,
            ],
        )
        return [data]

    def response(self) -> Response:
        response = Response(
            json.dumps(self.body), status=self.status, content_type="application/json"
        )
        response.headers.extend(self.headers)
        return response


def answer(status: int, body: dict[str, Any]) -> Reply:
    """A small JSON answer."""
    return Reply(status, body)


def refuse(status: int, error: str, field: str | None = None) -> Reply:
    """A JSON refusal that says why (and which field)."""
    body = {"error": error}
    if field:
        body["field"] = field
    return answer(status, body)


@lru_cache(maxsize=1024)
def _origin_of(source: str) -> str:
    """scheme://host of an Origin or Referer value ("" when it is neither http nor https)."""
    parts = urlsplit(source)
    return parts.netloc if parts.scheme in ("http", "https") else ""


def _same_origin(req: Request, host: str) -> bool:
    source = req.headers.get("Origin") or req.headers.get("Referer") or ""
    return bool(source) and _origin_of(source[:2048]) == host


def _client(user_agent: str) -> Client:
    """The classified user agent with what is stored of it cleaned: a header is bytes the
    client chose, and a NUL or a control character in a browser name would be refused by
    PostgreSQL in the writer (or spoil a report), so only printable text is kept."""
    client = classify(user_agent)
    fields = (client.browser, client.browser_version, client.os, client.os_version, client.device)
    if all(value.isprintable() for value in fields):
        return client
    printable: dict[str, Any] = {
        name: "".join(ch for ch in getattr(client, name) if ch.isprintable())
        for name in ("browser", "browser_version", "os", "os_version", "device")
    }
    return replace(client, **printable)


def _current_request() -> Request:
    # the request proxy's object itself: the collector sets attributes on it and reads it often
    return cast(Request, request._get_current_object())  # type: ignore[attr-defined]


def route() -> Response:
    """The Flask route (reached only without the fast path): the same handling."""
    state = current()
    req = _current_request()
    return collect(req, state.host.current_user_id(), req.host).response()


def collect(req: Request, user_id: int | None, host: str) -> Reply:
    """Store a batch of events from the tracker (the wire format is in the README); ``host``
    is the request's, already checked against TRUSTED_HOSTS."""
    state = current()
    if req.mimetype not in ACCEPTED_TYPES:
        return refuse(415, "Content-Type must be application/json or text/plain")
    if not _same_origin(req, host):
        return refuse(403, "cross-origin requests are not accepted")
    # the limit comes before the user agent is looked at: a bot's User-Agent must not be a way
    # around it (docs/HOSTILE_INPUTS.md #25; 300 requests of curl/8.5.0 in a second were all 202)
    if state.host.rate_limit is not None and not state.host.rate_limit(req):
        return refuse(429, "too many requests from this client; try again in a minute")
    client = _client(req.headers.get("User-Agent", ""))
    if client.is_bot:
        # counted per day in memory, nothing about the bot is kept and its body is not read;
        # bots are counted whatever their consent cookie says, as they always were
        state.count_dropped("bot")
        return answer(202, {"dropped": "bot"})
    if not state.host.allows(req, "statistics"):
        return refuse(403, "no statistics consent: nothing was stored")
    if state.is_internal(req, user_id):
        # the site's own people (staff logged in, the office's network) would skew what
        # marketers read and be profiled like prospects: counted per day like bots, nothing
        # else kept, the body not read, no visitor cookie set
        state.count_dropped("internal")
        return answer(202, {"dropped": "internal"})
    req.max_content_length = state.max_body
    raw = req.get_data(cache=False)  # 413 above the limit
    now = clock.now_ms()
    try:
        events = parse(raw, now, state.max_events)
    except PayloadError as error:
        return refuse(400, error.message, error.field)
    visitor = req.cookies.get(state.visitor_cookie, "")
    new_visitor = not _is_visitor_id(visitor)
    if new_visitor:
        visitor = uuid.uuid4().hex
    # the full address is used here, in memory, for the location; only its /24 (/48) is kept
    address = req.remote_addr or ""
    location = state.geo.lookup(address)
    line = RequestLine(
        now,
        visitor,
        user_id,
        _anonymise(address),
        Geo(location.country, location.region, location.city),
        Agent(client.browser, client.browser_version, client.os, client.os_version, client.device),
        [_enrich(event, host) for event in events],
        # the visit may feed an interest profile (marketing consent and no objection, P17)
        profiling=state.host.profiling_allowed(req),
    )
    state.spool.append(line.to_json())
    state.after_append()
    response = answer(202, {"accepted": len(events)})
    if new_visitor:
        cookie = dump_cookie(
            state.visitor_cookie,
            visitor,
            max_age=state.visitor_max_age,
            secure=req.is_secure,
            httponly=True,
            samesite="Lax",
        )
        response.headers.append(("Set-Cookie", cookie))
    return response


def _click_target(value: str | None, host: str) -> str:
    """Where a clicked link leads (a path, host + path, or a scheme), or '' for anything
    that is not a link. The tracker before issue 17 sent a button's tag as its target
    ("button"), and the reports, which key a click by its target before its name, listed
    every button as one row "button"; a click on a button is known by its name."""
    target = _target(value or "", host)
    return target if "/" in target or target.endswith(":") else ""


def _enrich(event: IncomingEvent, host: str) -> SpoolEvent:
    path, utm = _scrub(event.url)
    item: SpoolEvent = {"id": event.id, "type": event.type, "ts": event.ts, "path": path}
    if utm:
        item["utm"] = utm
    if event.type == "pageview":
        tagged = utm.get("utm_source") or utm.get("utm_medium") or utm.get("utm_campaign")
        item["ref"] = list(_referrer(event.referrer, host, tagged))
        for key in ("screen", "viewport", "tz", "lang", "platform"):
            value = getattr(event, key)
            if value:
                item[key] = value
    elif event.type == "click":
        item["target"] = _click_target(event.target, host)
        item["name"] = _label(event.name)
    else:
        item["ms"] = event.ms
    return item
