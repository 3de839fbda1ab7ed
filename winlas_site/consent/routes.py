"""Views: POST /samtycke, /samtycke/installningar and /samtycke/kvitto."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from user_agents import parse as parse_user_agent

from .. import access, profiling
from ..extensions import csrf
from ..security import is_safe_redirect
from . import bp, core
from .models import ConsentRecord

CHOICES = {"accept_all", "reject_all", "save", "settings"}


@lru_cache(maxsize=256)
def _family(user_agent: str) -> str:
    return parse_user_agent(user_agent).browser.family or "Other"


def ua_family() -> str:
    """The browser family of the request (never the full user agent)."""
    return _family(request.headers.get("User-Agent", "")[:512])


def is_same_origin() -> bool:
    """The request comes from one of our own pages (Origin, else Referer, names this host)."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parts = urlsplit(source)
    # the scheme too: a page served over http must not choose for the https site
    return parts.scheme == request.scheme and parts.netloc == request.host


def _next_url() -> str:
    target = request.values.get("next", "")
    return target if is_safe_redirect(target) else url_for("public.home")


# The banner is on every page, also for visitors without a session: a CSRF token would mean a
# session cookie before any choice. Browsers send Origin with every POST, so a same-origin check
# stops another site from choosing for the visitor.
@bp.route("/samtycke", methods=["POST"])
@csrf.exempt
def decide():
    """Record a choice from the banner or the settings; redirect back, or JSON for the script."""
    if not is_same_origin():
        abort(403)
    choice = request.form.get("action", "")
    if choice not in CHOICES:
        abort(400)
    target = _next_url()
    if choice == "settings":
        return redirect(url_for(".settings", next=target), 303)
    if choice == "accept_all":
        wanted, action = {"statistics", "marketing"}, "accept_all"
    elif choice == "reject_all":
        wanted, action = set(), "reject_all"
    else:
        wanted = {c for c in ("statistics", "marketing") if request.form.get(c) == "on"}
        action = "custom"
    had_marketing = core.allows(request, "marketing")
    consent = core.decide(action, wanted, urlsplit(target).path, ua_family())
    if had_marketing and "marketing" not in consent.categories:
        # a withdrawn marketing consent deletes the interest profile at once (P17); no opt-out
        # is kept: without consent nothing is profiled anyway
        profiling.forget_profile(
            user=current_user if current_user.is_authenticated else None,
            request=request,
            opt_out=False,
        )
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(
            consent_id=consent.id,
            categories=sorted(consent.categories),
            revision=consent.revision,
            # only where the page is one the access table lets carry the tracker
            load=[url_for("static", filename="js/track.js")]
            if "statistics" in consent.categories and access.tracked_path(target)
            else [],
            clear_storage=core.storage_to_clear(consent),
        )
    else:
        response = redirect(target, 303)
    return core.store(response, consent)


@bp.route("/samtycke/installningar")
def settings():
    """The settings as a page of its own: the footer link without JavaScript."""
    return render_template("consent/settings.html", next_url=_next_url())


@bp.route("/samtycke/kvitto")
def receipt():
    """What this browser chose, when, under which revision, and every change since."""
    consent, consent_id = core.read(request)
    history = list(ConsentRecord.history(consent_id)) if consent_id else []
    return (
        render_template(
            "consent/receipt.html", consent=consent, consent_id=consent_id, history=history
        ),
        200,
        {"Cache-Control": "no-store"},
    )
