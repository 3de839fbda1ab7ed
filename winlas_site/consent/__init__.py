"""The cookie banner, consent records and the server-side consent gate (P6, P7, P20)."""

from flask import Flask, Response, g, request

from .. import pagecache
from . import core
from .core import allows, current, signals_opt_out, variant
from .signals import consent_changed
from .texts import TEXTS

__all__ = [
    "allows",
    "consent_changed",
    "current",
    "init_app",
    "signals_opt_out",
    "variant",
]


def init_app(app: Flask) -> None:
    """Expose the gate to templates, vary the page cache on it, and honour GPC on every page."""
    app.jinja_env.globals.update(
        consent_allows=lambda category: allows(request, category),
        consent_current=lambda: current(request),
        consent_opt_out=lambda: signals_opt_out(request),
        consent_texts=TEXTS,
    )
    pagecache.vary_on(app, variant)
    # the refusal is written in the answer, so a cached page cannot skip the hook below
    pagecache.pass_through_when(app, core.refusal_due)

    @app.after_request
    def persist_gpc_refusal(response: Response) -> Response:
        # a stored "yes" to marketing meets a GPC/DNT signal: record and keep the refusal.
        # (only a request that read its consent: g.consent is set, never read here from scratch)
        consent = g.get("consent")
        if consent is not None and core.refusal_due(request):
            refused = core.decide(
                "gpc", set(consent.categories) - {"marketing"}, request.path, core.ua_family()
            )
            core.store(response, refused)
        return response
