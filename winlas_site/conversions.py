"""Conversions for the dashboard: a sent form counts on the visitor's current visit.

analytics records it only with statistics consent and a visitor cookie; the lead, sign-up or
subscription itself never depends on it, so a failure here is logged and the form goes on.
"""

from __future__ import annotations

import logging

from flask.globals import request_ctx

import analytics

log = logging.getLogger("winlas.conversions")


def record(name: str) -> str | None:
    """Count conversion ``name`` (contact, quote, demo, course, newsletter) for this visit;
    the conversion event's id, kept with the lead or sign-up so that its touches can be found
    (None: no statistics consent, a bot, staff, or a failure)."""
    try:
        return analytics.record_conversion(request_ctx.request, name)
    except Exception:  # statistics must never cost a lead
        log.exception("conversion %s not recorded", name)
        return None
