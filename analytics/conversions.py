"""Server-side conversion events: a sent form counted on the visitor's current visit."""

from __future__ import annotations

import json
import time
import uuid

from flask import Request, current_app

from .collector import _VISITOR
from .enrich import anonymise_ip
from .useragent import classify

CONVERSIONS = ("contact", "quote", "demo", "course", "newsletter")


def record_conversion(request: Request, name: str) -> None:
    """Count a conversion ``name`` for this request's visitor, with statistics consent only.

    Nothing happens without the visitor cookie (no tracker ran, so there is no visit to
    credit) or without statistics consent. The event joins the visitor's current visit by the
    store's usual 30-minute rule; path is the request's path (the form's address).
    """
    if name not in CONVERSIONS:
        raise ValueError(f"unknown conversion {name!r}")
    state = current_app.extensions["analytics"]
    visitor = request.cookies.get(state.visitor_cookie, "")
    if not _VISITOR.match(visitor) or not state.allows(request, "statistics"):
        return
    now = int(time.time() * 1000)
    client = classify(request.headers.get("User-Agent", ""))
    if client.is_bot:
        return
    user_id = state.current_user_id()
    if state.is_internal(request, user_id):
        return  # the site's own people testing a form are no conversion (nor profiled)
    # what a visit needs should the conversion open one (the store's rule decides)
    address = request.remote_addr or ""
    location = state.geo.lookup(address)
    line = {
        "r": now,
        "v": visitor,
        "u": user_id,
        "ip": anonymise_ip(address),
        "geo": [location.country, location.region, location.city],
        "ua": [client.browser, client.browser_version, client.os, client.os_version, client.device],
        "events": [
            {
                "id": str(uuid.uuid4()),
                "type": "conversion",
                "ts": now,
                "path": request.path[:512],
                "name": name,
            }
        ],
    }
    if state.profiling_allowed(request):
        line["p"] = 1
    state.spool.append(json.dumps(line, separators=(",", ":")))
    state.after_append()
