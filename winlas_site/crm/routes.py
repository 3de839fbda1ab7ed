"""Views: /crm/ (the lead list), /crm/leads.csv and /crm/leads/<id>."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

# types-peewee's flask_utils stub has only FlaskDB
from playhouse.flask_utils import PaginatedQuery  # type: ignore[attr-defined]

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from ..auth.decorators import role_required
from ..auth.models import Organisation, User
from ..db import database
from ..forms import has_control_characters
from ..leads.models import LEAD_TYPES, STATUSES, Lead, LeadNote
from .csvexport import to_csv
from .forms import STATUS_LABELS, LeadUpdateForm, NoteForm

bp = Blueprint("crm", __name__, url_prefix="/crm")

PER_PAGE = 25
# docs/ARCHITECTURE.md: marketers read and export the CRM; only staff (and admins) work leads
READ_ROLES = ("staff", "marketer")
WRITE_ROLES = ("staff",)


def _filters() -> dict[str, Any]:
    """The list's filters from the query string; anything unknown is a 400."""
    args = request.args
    filters: dict[str, Any] = {
        "type": args.get("typ", ""),
        "status": args.get("status", ""),
        "search": args.get("q", "")[:100],
        "owner": None,
    }
    if filters["type"] and filters["type"] not in LEAD_TYPES:
        abort(400)
    if filters["status"] and filters["status"] not in STATUSES:
        abort(400)
    # a NUL in a search: PostgreSQL refuses it in a query (a 500), SQLite would match nothing
    if has_control_characters(filters["search"]):
        abort(400)
    owner = args.get("ansvarig", "")
    if owner:
        # isdigit() alone lets "²" through, which int() refuses
        if not (owner.isascii() and owner.isdigit()) or len(owner) > 9:
            abort(400)
        filters["owner"] = int(owner)
    return filters


def _staff() -> list[User]:
    return list(User.select().where(User.role != "customer").order_by(User.first_name))


@bp.route("/")
@role_required(*READ_ROLES)
def index():
    """Leads, newest first, filterable and paginated."""
    filters = _filters()
    page = request.args.get("sida", "1")
    if not (page.isascii() and page.isdigit()) or len(page) > 5 or not 0 < int(page) < 100000:
        abort(400)
    query = Lead.listing(**filters)
    pages = PaginatedQuery(query, PER_PAGE, page_var="sida", check_bounds=False)
    return render_template(
        "crm/index.html",
        leads=pages.get_object_list(),
        page=pages.get_page(),
        page_count=pages.get_page_count(),
        filters=filters,
        staff=_staff(),
        statuses=STATUS_LABELS,
        types=LEAD_TYPES,
    )


@bp.route("/leads.csv")
@role_required(*READ_ROLES)
def leads_csv():
    """The filtered lead list as CSV."""
    filters = _filters()
    rows = (
        (
            lead.id,
            lead.created_at.strftime("%Y-%m-%d %H:%M"),
            lead.type,
            lead.status,
            lead.contact.first_name,
            lead.contact.last_name,
            lead.contact.email,
            lead.contact.organisation_name,
            lead.contact.work_phone,
            ", ".join(lead.product_list()),
            lead.owner.full_name if lead.owner_id else "",
            lead.marketing_consent,
            lead.message,
        )
        for lead in Lead.listing(**filters)
    )
    header = [
        "id",
        "created",
        "type",
        "status",
        "first_name",
        "last_name",
        "email",
        "organisation",
        "work_phone",
        "products",
        "owner",
        "marketing_consent",
        "message",
    ]
    return Response(
        to_csv(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=leads.csv"},
    )


# an id beyond the integer column's range is a plain 404, not a database error
@bp.route("/leads/<int(max=2147483647):lead_id>", methods=["GET", "POST"])
@role_required(*READ_ROLES, write=WRITE_ROLES)
def lead(lead_id: int):
    """One lead with the contact's other leads; staff edit status, owner and notes here."""
    item = Lead.get_or_none(Lead.id == lead_id) or abort(404)
    update = LeadUpdateForm(
        prefix="u",
        status=item.status,
        owner=item.owner_id or 0,
        organisation=item.contact.organisation_id or 0,
    )
    update.organisation.choices = [SelectChoice(0, _("Ingen"))] + [
        SelectChoice(o.id, o.name) for o in Organisation.select().order_by(Organisation.name)
    ]
    update.owner.choices = [SelectChoice(0, _("Ingen"))] + [
        SelectChoice(u.id, u.full_name or u.email) for u in _staff()
    ]
    note = NoteForm(prefix="n")
    if request.method == "POST":
        if "u-status" in request.form and update.validate():
            with database.atomic():
                item.status = update.status.data
                item.owner = update.owner.data or None
                item.save()
                item.contact.organisation = update.organisation.data or None
                item.contact.save()
            flash(_("Leadet är uppdaterat."), "success")
            return redirect(url_for(".lead", lead_id=item.id), 303)
        if "n-text" in request.form and note.validate():
            LeadNote.add(item, current_user.id, note.text.data or "")
            flash(_("Anteckningen är sparad."), "success")
            return redirect(url_for(".lead", lead_id=item.id), 303)
        status = 400
    else:
        status = 200
    others = item.contact.leads.where(Lead.id != item.id).order_by(Lead.created_at.desc())
    notes = item.notes.order_by(LeadNote.created_at.desc())
    return render_template(
        "crm/lead.html",
        lead=item,
        contact=item.contact,
        others=others,
        notes=notes,
        update=update,
        note=note,
        statuses=STATUS_LABELS,
    ), status
