"""The cookie banner, consent records and the server-side consent gate (P6, P7, P20)."""

from flask import Blueprint, Flask, Response, g, request

from .core import allows, current, signals_opt_out, variant

bp = Blueprint("consent", __name__)

__all__ = ["allows", "bp", "current", "init_app", "signals_opt_out", "variant"]


def init_app(app: Flask) -> None:
    """Expose the gate to templates, vary the page cache on it, and honour GPC on every page."""
    from .. import pagecache
    from . import core
    from .texts import TEXTS

    app.jinja_env.globals.update(
        consent_allows=lambda category: allows(request, category),
        consent_current=lambda: current(request),
        consent_opt_out=lambda: signals_opt_out(request),
        consent_texts=TEXTS,
    )
    pagecache.vary_on(app, lambda: variant(request))

    @app.after_request
    def persist_gpc_refusal(response: Response) -> Response:
        # a stored "yes" to marketing meets a GPC/DNT signal: record and keep the refusal.
        consent = g.get("consent")
        if consent is not None and "marketing" in consent.categories and signals_opt_out(request):
            from .routes import ua_family

            refused = core.decide(
                "gpc", set(consent.categories) - {"marketing"}, request.path, ua_family()
            )
            core.store(response, refused)
        return response


from . import commands, routes  # noqa: E402,F401
