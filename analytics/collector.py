"""POST /api/collect: validate, enrich, anonymise, spool; answer 202 only once it is durable."""

from __future__ import annotations

import datetime
import json
import re
import time
import uuid
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request

from .enrich import anonymise_ip, classify_referrer, scrub_url
from .payload import PayloadError, parse
from .useragent import classify

ACCEPTED_TYPES = ("application/json", "text/plain")  # sendBeacon sends text/plain
_VISITOR = re.compile(r"^[0-9a-f]{32}$")


# a rate-limit decorator registers the view with its limiter each time it is applied: wrap once
# per decorator, however many apps (tests) are built in the process.
_limited: dict[int, tuple] = {}


def blueprint(rate_limit=None) -> Blueprint:
    """A blueprint with the collect endpoint; one per app (blueprints cannot be reused)."""
    bp = Blueprint("analytics", __name__)
    view = collect
    if rate_limit is not None:
        if id(rate_limit) not in _limited:
            _limited[id(rate_limit)] = (rate_limit, rate_limit(collect))
        view = _limited[id(rate_limit)][1]
    bp.add_url_rule("/api/collect", "collect", view, methods=["POST"])
    return bp


def refuse(status: int, error: str, field: str | None = None):
    """A JSON refusal that says why (and which field)."""
    body = {"error": error}
    if field:
        body["field"] = field
    return jsonify(body), status


def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc == request.host


def _target(value: str, host: str) -> str:
    """A click target as host+path for outbound links, path for our own; never a query."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return value[:40]  # a tag name such as "button"
    path, _utm = scrub_url(value)
    if parts.netloc.lower() == host.lower():
        return path
    return (parts.hostname or "")[:200] + path


def collect():
    """Store a batch of events from the tracker (the wire format is in the README)."""
    state = current_app.extensions["analytics"]
    if request.mimetype not in ACCEPTED_TYPES:
        return refuse(415, "Content-Type must be application/json or text/plain")
    if not _same_origin():
        return refuse(403, "cross-origin requests are not accepted")
    client = classify(request.headers.get("User-Agent", ""))
    if client.is_bot:
        # counted per day, nothing about the bot is kept; no need to read what it sent
        state.spool.append(json.dumps({"bot": datetime.date.today().isoformat()}))
        state.after_append()
        return jsonify(dropped="bot"), 202
    if not state.allows(request, "statistics"):
        return refuse(403, "no statistics consent: nothing was stored")
    request.max_content_length = state.max_body
    raw = request.get_data(cache=False)  # 413 above the limit
    now = time.time()
    try:
        events = parse(raw, int(now * 1000), state.max_events)
    except PayloadError as error:
        return refuse(400, error.message, error.field)
    visitor = request.cookies.get(state.visitor_cookie, "")
    new_visitor = not _VISITOR.match(visitor)
    if new_visitor:
        visitor = uuid.uuid4().hex
    # the full address is used here, in memory, for the location; only its /24 (/48) is kept
    address = request.remote_addr or ""
    location = state.geo.lookup(address)
    host = request.host
    line = {
        "r": int(now * 1000),
        "v": visitor,
        "u": state.current_user_id(),
        "ip": anonymise_ip(address),
        "geo": [location.country, location.region, location.city],
        "ua": [client.browser, client.browser_version, client.os, client.os_version, client.device],
        "events": [_enrich(event, host) for event in events],
    }
    state.spool.append(json.dumps(line, separators=(",", ":")))
    state.after_append()
    response = jsonify(accepted=len(events))
    response.status_code = 202
    if new_visitor:
        response.set_cookie(
            state.visitor_cookie,
            visitor,
            max_age=state.visitor_max_age,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
    return response


def _enrich(event, host: str) -> dict:
    path, utm = scrub_url(event.url)
    item = {"id": event.id, "type": event.type, "ts": event.ts, "path": path}
    if utm:
        item["utm"] = utm
    if event.type == "pageview":
        tagged = utm.get("utm_source") or utm.get("utm_medium") or utm.get("utm_campaign")
        item["ref"] = list(classify_referrer(event.referrer, host, tagged))
        for key in ("screen", "viewport", "tz", "lang", "platform"):
            value = getattr(event, key)
            if value:
                item[key] = value
    elif event.type == "click":
        item["target"] = _target(event.target, host)
        item["name"] = event.name
    else:
        item["ms"] = event.ms
    return item
