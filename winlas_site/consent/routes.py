"""Views: POST /samtycke, /samtycke/installningar and /samtycke/kvitto."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import access
from ..extensions import csrf
from ..security import NO_STORE, is_safe_redirect
from . import core
from .models import ConsentRecord
from .signals import consent_changed

bp = Blueprint("consent", __name__)

CHOICES = {"accept_all", "reject_all", "save", "settings"}


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
    before = {c for c in ("statistics", "marketing") if core.allows(request, c)}
    consent = core.decide(action, wanted, urlsplit(target).path, core.ua_family())
    # the features that keep data under a category act on a withdrawal (profiling: P17)
    consent_changed.send(
        current_app._get_current_object(),
        before=frozenset(before),
        after=consent,
        user=current_user if current_user.is_authenticated else None,
        request=request,
    )
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(
            consent_id=consent.id,
            categories=sorted(consent.categories),
            revision=consent.revision,
            # only where the page is one the access table lets carry the tracker
            load=[url_for("analytics.static", filename="track.js")]
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
        NO_STORE,
    )
