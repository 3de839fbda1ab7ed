"""The data-protection officer's tool (P16): requests about an address, with or without an
account -- look up, export, erase, record an objection -- and the audit log every action
writes. The tool is for admins; the log can be read (and exported) by staff."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..account import data as person
from ..account.forms import DsarEraseForm, LookupForm, ObjectionForm
from ..account.models import AuditEntry
from ..auth.decorators import role_required
from ..auth.models import User
from ..crm.csvexport import site_csv
from ..i18n import current_language, swedish_time
from ..leads.models import normalise_address
from ..preferences import record_objection
from ..security import PRIVATE
from ..views import json_download, page_number

bp = Blueprint("dsar", __name__, url_prefix="/dataskydd")

log = logging.getLogger("winlas.dsar")

PAGE_SIZE = 50
MAX_PAGE = 100_000


def _tool(lookup=None, status=200, **context):
    return (
        render_template("dsar/index.html", lookup=lookup or LookupForm(), **context),
        status,
        PRIVATE,
    )


def _person_page(address: str, status: int = 200, **context):
    found = person.person_data(address)
    erase_form = context.pop("erase_form", None) or DsarEraseForm(formdata=None, email=address)
    objection_form = context.pop("objection_form", None) or ObjectionForm(
        formdata=None, email=address
    )
    return (
        render_template(
            "dsar/person.html",
            email=address,
            counts=person.summary(found),
            has_account=found["account"] is not None,
            history=list(AuditEntry.about(address)),
            erase_form=erase_form,
            objection_form=objection_form,
            export_form=LookupForm(formdata=None, email=address),
            **context,
        ),
        status,
        PRIVATE,
    )


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    """Look a person up by email address (a POST: addresses stay out of URLs and logs)."""
    form = LookupForm()
    if request.method == "GET":
        return _tool(form)
    if not form.validate_on_submit():
        return _tool(form, 400)
    address = normalise_address(form.email.data)
    AuditEntry.record("lookup", actor=current_user, email=address)
    return _person_page(address)


@bp.route("/export", methods=["POST"])
@role_required("admin")
def export():
    """The same JSON file the person gets from their account."""
    form = LookupForm()
    if not form.validate_on_submit():
        return _tool(form, 400)
    address = normalise_address(form.email.data)
    found = person.person_data(address)
    AuditEntry.record("export", actor=current_user, email=address, details=person.summary(found))
    return json_download(found, "winlas-dsar-export.json")


@bp.route("/radera", methods=["POST"])
@role_required("admin")
def erase():
    """Erase everything about an address (with or without an account)."""
    form = DsarEraseForm()
    if not form.validate_on_submit():
        if form.email.data and not form.email.errors:
            return _person_page(normalise_address(form.email.data), 400, erase_form=form)
        return _tool(form, 400)
    address = normalise_address(form.email.data)
    user = person.find_user(address)
    if user is not None and user.id == current_user.id:
        # an admin erasing their own account here would lock themself out mid-request
        form.form_errors.append(_("Ditt eget konto raderar du under Mitt konto."))
        return _person_page(address, 400, erase_form=form)
    counts = person.erase_person(address, user=user)
    AuditEntry.record("erase", actor=current_user, email=address, details=counts)
    log.info("dsar erase by user=%s: %s", current_user.id, counts)
    if counts:
        # only someone we held data about gets mail: the tool cannot be used to mail strangers
        person.send_confirmation(address, current_language(), "request")
    return render_template("dsar/erased.html", counts=counts), 200, PRIVATE


@bp.route("/invandning", methods=["POST"])
@role_required("admin")
def objection():
    """Record an objection made by email: to profiling, to the newsletter, or both (P19)."""
    form = ObjectionForm()
    if not form.validate_on_submit():
        if form.email.data and not form.email.errors:
            return _person_page(normalise_address(form.email.data), 400, objection_form=form)
        return _tool(form, 400)
    address = normalise_address(form.email.data)
    record_objection(
        address,
        profiling_objection=bool(form.profiling.data),
        newsletter_objection=bool(form.newsletter.data),
        actor=current_user,
        source=url_for(".objection"),
        language=current_language(),
    )
    return _person_page(address, done=True)


def _actors(entries: list[AuditEntry]) -> dict[int, str]:
    ids = {entry.actor_id for entry in entries if entry.actor_id}
    if not ids:
        return {}
    return {user.id: user.email for user in User.select().where(User.id.in_(ids))}


@bp.route("/logg")
@role_required("staff")
def audit_log():
    """The audit log, newest first, 50 a page."""
    page = page_number(last=MAX_PAGE)
    entries = list(AuditEntry.newest_first().paginate(page, PAGE_SIZE))
    total = AuditEntry.select().count()
    return (
        render_template(
            "dsar/log.html",
            entries=entries,
            actors=_actors(entries),
            page=page,
            has_next=page * PAGE_SIZE < total,
        ),
        200,
        PRIVATE,
    )


@bp.route("/logg.csv")
@role_required("staff")
def audit_csv():
    """The whole audit log as CSV for a Swedish Excel (``site_csv``): times in Swedish local
    time to the second, actions and roles as the log page shows them (the log's own terms),
    formula-looking cells neutralised."""
    entries = list(AuditEntry.newest_first())
    actors = _actors(entries)
    rows = (
        (
            entry.id,
            swedish_time(entry.at, "%Y-%m-%d %H:%M:%S"),
            entry.actor_id or "",
            entry.actor_role,
            actors.get(entry.actor_id, ""),
            entry.action,
            entry.subject_digest,
            entry.details_text(),
        )
        for entry in entries
    )
    body = site_csv(
        ["id", "at", "actor_id", "actor_role", "actor_email", "action", "subject", "details"],
        rows,
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={**PRIVATE, "Content-Disposition": 'attachment; filename="winlas-audit.csv"'},
    )
