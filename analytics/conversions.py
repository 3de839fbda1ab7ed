"""Server-side conversion events: a sent form counted on the visitor's current visit."""

from __future__ import annotations

import uuid

from flask import Request

from . import clock
from .enrich import anonymise_ip
from .line import Agent, Geo, RequestLine, is_visitor_id
from .state import current
from .useragent import classify

CONVERSIONS = ("contact", "quote", "demo", "course", "newsletter")


def record_conversion(request: Request, name: str) -> str | None:
    """Count a conversion ``name`` for this request's visitor, with statistics consent only;
    the id of the conversion event, or None when nothing was recorded.

    Nothing happens without the visitor cookie (no tracker ran, so there is no visit to
    credit) or without statistics consent. The event joins the visitor's current visit by the
    store's usual 30-minute rule; path is the request's path (the form's address). The host
    keeps the id with what the form made (a lead, a sign-up) to find its visits later
    (``analytics.touches_of``): the writer stores the event after this returns.
    """
    if name not in CONVERSIONS:
        raise ValueError(f"unknown conversion {name!r}")
    state = current()
    host = state.host
    visitor = request.cookies.get(state.visitor_cookie, "")
    if not is_visitor_id(visitor) or not host.allows(request, "statistics"):
        return None
    now = clock.now_ms()
    client = classify(request.headers.get("User-Agent", ""))
    if client.is_bot:
        return None
    user_id = host.current_user_id()
    if state.is_internal(request, user_id):
        return None  # the site's own people testing a form are no conversion (nor profiled)
    # what a visit needs should the conversion open one (the store's rule decides)
    address = request.remote_addr or ""
    location = state.geo.lookup(address)
    event_id = str(uuid.uuid4())
    line = RequestLine(
        now,
        visitor,
        user_id,
        anonymise_ip(address),
        Geo(location.country, location.region, location.city),
        Agent(client.browser, client.browser_version, client.os, client.os_version, client.device),
        [
            {
                "id": event_id,
                "type": "conversion",
                "ts": now,
                "path": request.path[:512],
                "name": name,
            }
        ],
        profiling=host.profiling_allowed(request),
    )
    state.spool.append(line.to_json())
    state.after_append()
    return event_id
