"""Views: /kontakt/fraga, /kontakt/offert, /kontakt/visning and the thank-you page."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from .. import conversions
from ..extensions import limiter
from ..i18n import current_language
from ..mail import checked_address, queue_email
from ..newsletter.mailing import start_subscription
from ..products.models import Product
from ..spam import EXPIRED, REUSED, started_token
from ..views import SPAM, form_page, screen
from .attribution import remember
from .forms import FORMS, MARKETING_CONSENT_VERSION
from .models import normalise_address, submit_inquiry

bp = Blueprint("leads", __name__)

log = logging.getLogger("winlas.leads")

PATHS = {"question": "fraga", "quote": "offert", "demo": "visning"}
TEMPLATES = {
    "question": "leads/question.html",
    "quote": "leads/quote.html",
    "demo": "leads/demo.html",
}


def _email_key() -> str:
    # the limiter's store holds a digest, not the address
    email = normalise_address(request.form.get("email", ""))[:254]
    return "inquiry-email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _inquiry(kind: str):
    form = FORMS[kind]()
    form.products.choices = [SelectChoice(p.slug, p.name) for p in Product.listed()]
    if request.method == "GET":
        form.submission.data = uuid.uuid4().hex
        form.started.data = started_token()
    if form.validate_on_submit():
        verdict = screen(form, kind)
        if verdict == SPAM:
            return render_template("leads/refused.html"), 400
        if verdict in (EXPIRED, REUSED):
            # the form back with what was typed, a fresh token and a fresh id: sent again, it
            # is a new inquiry (the old id would be taken for a double click of the first one)
            form.submission.data = uuid.uuid4().hex
            return form_page(TEMPLATES[kind], form, kind=kind)
        lead, created = submit_inquiry(
            kind,
            _submission_key(form.submission.data),
            contact_fields={
                "email": form.email.data,
                "first_name": (form.first_name.data or "").strip(),
                "last_name": (form.last_name.data or "").strip(),
                "organisation_name": (form.organisation.data or "").strip(),
                "work_phone": (form.work_phone.data or "").strip(),
                "products_of_interest": "\n".join(dict.fromkeys(form.products.data or [])),
            },
            lead_fields=_lead_fields(kind, form),
            # the contact is updated only by its owner (logged in) or staff, never anonymously
            by=current_user if current_user.is_authenticated else None,
        )
        if created:
            _send_emails(lead)
            if lead.marketing_consent:
                _start_newsletter(lead)
            # kept with the lead: its visits are found later (leads.attribution)
            remember(lead, conversions.record("contact" if kind == "question" else kind))
        return redirect(url_for(".thanks", typ=kind), 303)
    return form_page(TEMPLATES[kind], form, kind=kind)


def _submission_key(value: str | None) -> str:
    """The form's one-time id when it looks like one we issued (32 hex digits), else a fresh
    one: a forged value (a NUL, which PostgreSQL refuses, or any text) is never stored."""
    value = value or ""
    return value if re.fullmatch(r"[0-9a-f]{32}", value) else uuid.uuid4().hex


def _lead_fields(kind: str, form) -> dict:
    fields = {
        "message": form.message.data or "",
        "products": "\n".join(dict.fromkeys(form.products.data or [])),
        "marketing_consent": bool(form.marketing_consent.data),
        # P18: marketing email only with consent; the answer itself rests on our legitimate
        # interest in replying to the person who asked
        "legal_basis": "consent" if form.marketing_consent.data else "legitimate_interest",
        "consent_text_version": MARKETING_CONSENT_VERSION if form.marketing_consent.data else "",
    }
    if kind == "quote":
        fields.update(
            organisation_type=form.organisation_type.data,
            sites=form.sites.data,
            users=form.users.data,
        )
    if kind == "demo":
        fields.update(
            meeting_mode=form.meeting_mode.data, preferred_times=form.preferred_times.data
        )
    return fields


def _send_emails(lead) -> None:
    """Tell staff and confirm to the person; the lead is already stored, whatever mail does."""
    try:
        # the notification's Reply-To is the person who wrote, so staff answer with one click
        reply_to = checked_address(lead.contact.email)
    except ValueError:
        reply_to = ""
    context = {
        "lead": lead,
        "contact": lead.contact,
        "site_url": current_app.config["WINLAS_SITE_URL"],
    }
    try:
        queue_email(
            current_app.config["WINLAS_STAFF_EMAIL"],
            "leads/notification",
            context,
            kind="administrative",
            language="sv",
            related=f"lead:{lead.id}",
            reply_to=reply_to,
        )
        queue_email(
            lead.contact.email,
            "leads/confirmation",
            context,
            kind="administrative",
            language=current_language(),
            related=f"lead:{lead.id}",
        )
    except ValueError:
        # an address the mail layer refuses: the lead stays, staff see it without a mail
        log.warning("lead %s stored; confirmation not sent (address refused)", lead.id)


def _start_newsletter(lead) -> None:
    """The box "Ja, jag vill få nyheter…" asks for the newsletter: start its double opt-in, the
    same as the newsletter's own form (a confirmation email; nothing is sent until the address
    confirms). A problem here never costs the lead."""
    try:
        start_subscription(lead.contact.email, request.path, current_language())
    except Exception:
        log.exception("lead %s stored; newsletter sign-up not started", lead.id)


_limit_client = limiter.limit(lambda: current_app.config["WINLAS_FORM_LIMIT"], methods=["POST"])
_limit_email = limiter.limit(
    lambda: current_app.config["WINLAS_FORM_EMAIL_LIMIT"], key_func=_email_key, methods=["POST"]
)


@bp.route("/kontakt/fraga", methods=["GET", "POST"])
@_limit_client
@_limit_email
def question():
    """A general question."""
    return _inquiry("question")


@bp.route("/kontakt/offert", methods=["GET", "POST"])
@_limit_client
@_limit_email
def quote():
    """A quote request."""
    return _inquiry("quote")


@bp.route("/kontakt/visning", methods=["GET", "POST"])
@_limit_client
@_limit_email
def demo():
    """A demo request."""
    return _inquiry("demo")


@bp.route("/kontakt/tack")
def thanks():
    """What happens next."""
    kind = request.args.get("typ", "")
    if kind not in FORMS:
        abort(404)
    return render_template("leads/thanks.html", kind=kind)
