"""What every statistics page shares: the marketers-only guard, no caching anywhere, a compressed
answer, and the template context of the period picker and filter chips (``_selection.html``).

The overview, the campaign-to-customer report and the funnels are separate blueprints over the
same selection; each registers itself with ``marketers_only`` and builds its context from
``selection_context``, so a page cannot forget the guard or drift from the others' controls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_compress import Compress

from .. import reports
from ..enrich import SOURCES
from ..state import current
from .data import PERIODS, Selection

# every device class a visit can have, "other" (a user agent that could not be read) included
DEVICES = reports.DEVICES

# The statistics pages are the site's heaviest HTML (every chart's table and SVG: 150-200 KB, a
# tenth of that compressed) and are never cached, so they are compressed as they are answered
# (``init_app`` applies the settings; ``COMPRESS_REGISTER`` is off, so no other page is). The
# site's public pages are small and answered from the page cache, where compressing each
# request would cost more than it saves; a reverse proxy may compress them. Compressing a page
# that holds a secret next to text from the URL is what BREACH measures: the page's only secret
# is the CSRF token, signed with a timestamp so that it changes every second, and the session
# cookie is SameSite=Lax, so another site cannot make the browser fetch these pages logged in.
COMPRESS = Compress()


def marketers_only(bp: Blueprint) -> Blueprint:
    """Guard every route of ``bp`` with the host's guard (marketers and admins; the login page
    or 403 for anyone else), keep its answers out of every cache and compress them (``COMPRESS``)
    for a browser that accepts it; returns ``bp``."""

    @bp.before_request
    def guard() -> ResponseReturnValue | None:
        return current().host.guard()

    @bp.after_request
    def no_store(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        return COMPRESS.after_request(response)

    return bp


def country_name(code: str) -> str:
    """A country code as the reader's language names it (the code when unknown)."""
    locale = get_locale()
    return (locale.territories.get(code.upper()) if locale else None) or code


def selection_context(selection: Selection, here: Callable[..., str]) -> dict[str, Any]:
    """The period picker's and the filter chips' template variables; ``here(clear_filters,
    **changes)`` is the page's own URL with the selection changed."""
    state = current()
    return {
        # what is left out as internal traffic, for the note beside the period (a marketer must
        # know the office's own clicks are not in the figures, or that they are)
        "internal_users": state.host.internal_user is not None,
        "internal_networks": len(state.internal_networks),
        "here": here,
        "country_name": country_name,
        "selection": selection,
        "periods": PERIODS,
        "filter_names": reports.FILTERS,
        "filter_choices": {"device": DEVICES, "source": SOURCES},
        "filter_lengths": reports.MAX_FILTER_LENGTH,
    }
