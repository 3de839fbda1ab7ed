"""Views: the lead list (/crm/, sortable, with a status select per row), its CSV, a lead's page
(status, owner, organisation, follow-up, notes, timeline, course sign-ups, the visits that led
to it), the follow-ups due
today (/crm/att-gora), a lead taken by phone (/crm/ny) and the merge of two contacts."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

# types-peewee's flask_utils stub has only FlaskDB
from playhouse.flask_utils import PaginatedQuery  # type: ignore[attr-defined]

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

import analytics

from .. import clock
from ..auth.decorators import role_required
from ..auth.models import Organisation, User
from ..courses.models import Registration
from ..db import Prepared
from ..forms import has_control_characters
from ..i18n import swedish_time, translated
from ..leads import attribution as lead_attribution
from ..leads.models import (
    LEAD_TYPES,
    SORT_COLUMNS,
    STATUSES,
    Contact,
    Lead,
    LeadNote,
    TimelineEntry,
    register_call,
    write_transaction,
)
from ..newsletter.models import Subscription
from ..products.models import Product
from ..security import PRIVATE, is_safe_redirect, no_store
from ..views import page_number, row_id
from . import merge as merging
from . import notify
from .csvexport import site_csv
from .display import tel_href
from .forms import (
    ORGANISATION_TYPE_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    FollowUpForm,
    LeadUpdateForm,
    MergeForm,
    NewLeadForm,
    NoteForm,
    StatusForm,
)

bp = Blueprint("crm", __name__, url_prefix="/crm")

PER_PAGE = 25
# docs/ARCHITECTURE.md: marketers read and export the CRM; only staff (and admins) work leads
READ_ROLES = ("staff", "marketer")
WRITE_ROLES = ("staff",)
# a column's first click sorts this way: dates newest first, text A to Z
DEFAULT_ORDER = {column: "asc" for column in SORT_COLUMNS} | {"inkom": "desc"}
FORM_ID = re.compile(r"[0-9a-f]{32}")


@bp.after_request
def _private(response):
    # every CRM page is about people: kept out of caches and search indexes
    return no_store(response, PRIVATE)


@bp.app_template_filter("crm_tel")
def _crm_tel(number: str) -> str:
    return tel_href(number or "")


def _filters() -> dict[str, Any]:
    """The list's filters and sort from the query string; anything unknown is a 400."""
    args = request.args
    filters: dict[str, Any] = {
        "type": args.get("typ", ""),
        "status": args.get("status", ""),
        "search": args.get("q", "")[:100],
        "owner": None,
        "sort": args.get("sortera", "inkom"),
    }
    if filters["type"] and filters["type"] not in LEAD_TYPES:
        abort(400)
    if filters["status"] and filters["status"] not in STATUSES:
        abort(400)
    if filters["sort"] not in SORT_COLUMNS:
        abort(400)
    filters["order"] = args.get("ordning", DEFAULT_ORDER[filters["sort"]])
    if filters["order"] not in ("asc", "desc"):
        abort(400)
    # a NUL in a search: PostgreSQL refuses it in a query (a 500), SQLite would match nothing
    if has_control_characters(filters["search"]):
        abort(400)
    owner = args.get("ansvarig", "")
    if owner:
        filters["owner"] = row_id(owner)
    return filters


def _list_args(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as the list's query string, without the empty ones and the default sort."""
    values = {
        "typ": filters["type"],
        "status": filters["status"],
        "ansvarig": filters["owner"] or "",
        "q": filters["search"],
    }
    if (filters["sort"], filters["order"]) != ("inkom", "desc"):
        values.update(sortera=filters["sort"], ordning=filters["order"])
    return {name: value for name, value in values.items() if value}


# the owners of the list's filter, on every page of the CRM: the SQL is built once
_staff_query: Prepared[User] = Prepared(
    lambda: User.select().where(User.role != "customer").order_by(User.first_name)
)


def _staff() -> list[User]:
    return _staff_query.all()


def _owner_choices() -> list:
    return [SelectChoice(0, _("Ingen"))] + [
        SelectChoice(u.id, u.full_name or u.email) for u in _staff()
    ]


@bp.route("/")
@role_required(*READ_ROLES)
def index():
    """Leads, filterable, sortable by every column, paginated."""
    filters = _filters()
    page_number()  # a bad page is a 400 before the query runs
    query = Lead.listing(**filters)
    pages = PaginatedQuery(query, PER_PAGE, page_var="sida", check_bounds=False)
    return render_template(
        "crm/index.html",
        leads=pages.get_object_list(),
        page=pages.get_page(),
        page_count=pages.get_page_count(),
        filters=filters,
        list_args=_list_args(filters),
        default_order=DEFAULT_ORDER,
        staff=_staff(),
        # each row shows the labels again: translated once per language, not per use
        statuses=translated(STATUS_LABELS),
        types=LEAD_TYPES,
        status_form=StatusForm(),
    )


@bp.route("/leads.csv")
@role_required(*READ_ROLES)
def leads_csv():
    """The filtered and sorted lead list as CSV: the list's rows, in the list's order, with
    the words the CRM pages show (status, type, organisation type, Ja/Nej), times in Swedish
    local time, ``;``-separated for a Swedish Excel (``site_csv``)."""
    filters = _filters()
    # plain text, not ``translated``'s Markup: a CSV cell is not HTML
    statuses = {code: str(label) for code, label in STATUS_LABELS.items()}
    types = {code: str(label) for code, label in TYPE_LABELS.items()}
    organisation_types = {code: str(label) for code, label in ORGANISATION_TYPE_LABELS.items()}
    sources = {"web": _("webbformulär"), "telefon": _("telefon")}
    rows = (
        (
            lead.id,
            swedish_time(lead.created_at),
            types.get(lead.type, lead.type),
            statuses.get(lead.status, lead.status),
            lead.contact.first_name,
            lead.contact.last_name,
            lead.contact.email,
            lead.contact.organisation_name,
            organisation_types.get(lead.organisation_type, lead.organisation_type),
            lead.contact.work_phone,
            ", ".join(lead.product_list()),
            lead.owner.full_name if lead.owner_id else "",
            lead.marketing_consent,
            lead.message,
            sources.get(lead.source, lead.source),
            lead.follow_up_on,
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
        "organisation_type",
        "work_phone",
        "products",
        "owner",
        "marketing_consent",
        "message",
        "source",
        "follow_up_on",
    ]
    return Response(
        site_csv(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=leads.csv"},
    )


def _lead_or_404(lead_id: int) -> Lead:
    return Lead.get_or_none(Lead.id == lead_id) or abort(404)


def _back_to_list(target: str | None) -> str:
    """The list address a row form came from (with its filters), or the plain list."""
    home = url_for(".index")
    if target and is_safe_redirect(target) and target.startswith(home):
        return target
    return home


@bp.route("/leads/<int(max=2147483647):lead_id>/status", methods=["POST"])
@role_required(*WRITE_ROLES)
def set_status(lead_id: int):
    """The status select of a list row: change it, back to the same list."""
    item = _lead_or_404(lead_id)
    form = StatusForm()
    if not form.validate():
        abort(400)
    if item.set_status(form.status.data or "", current_user):
        flash(
            _(
                "Status för %(name)s: %(status)s.",
                name=f"{item.contact.first_name} {item.contact.last_name}",
                status=STATUS_LABELS[item.status],
            ),
            "success",
        )
    return redirect(_back_to_list(form.back.data), 303)


# an id beyond the integer column's range is a plain 404, not a database error
@bp.route("/leads/<int(max=2147483647):lead_id>", methods=["GET", "POST"])
@role_required(*READ_ROLES, write=WRITE_ROLES)
def lead(lead_id: int):
    """One lead: what was asked, its timeline and the contact's other leads and course
    sign-ups; staff edit status, owner, organisation, follow-up and notes here."""
    item = _lead_or_404(lead_id)
    update = LeadUpdateForm(
        prefix="u",
        status=item.status,
        owner=item.owner_id or 0,
        organisation=item.contact.organisation_id or 0,
    )
    update.organisation.choices = [SelectChoice(0, _("Ingen"))] + [
        SelectChoice(o.id, o.name) for o in Organisation.select().order_by(Organisation.name)
    ]
    update.owner.choices = _owner_choices()
    follow_up = FollowUpForm(
        prefix="f", follow_up_on=item.follow_up_on, follow_up_note=item.follow_up_note
    )
    note = NoteForm(prefix="n")
    status = 200
    if request.method == "POST":
        by = current_user._get_current_object()
        if "u-status" in request.form and update.validate():
            with write_transaction(Lead.select().where(Lead.id == item.id)):
                item.set_status(update.status.data or "", by)
                owner_changed = item.assign(update.owner.data or None, by)
                item.set_organisation(update.organisation.data or None, by)
            if owner_changed:
                notify.assigned(item, by)
            flash(_("Leadet är uppdaterat."), "success")
            return redirect(url_for(".lead", lead_id=item.id), 303)
        if "f-follow_up_on" in request.form and follow_up.validate():
            item.set_follow_up(follow_up.follow_up_on.data, follow_up.follow_up_note.data or "", by)
            flash(_("Uppföljningen är sparad."), "success")
            return redirect(url_for(".lead", lead_id=item.id), 303)
        if "n-text" in request.form and note.validate():
            LeadNote.add(item, current_user.id, note.text.data or "")
            flash(_("Anteckningen är sparad."), "success")
            return redirect(url_for(".lead", lead_id=item.id), 303)
        status = 400
    contact = item.contact
    others = contact.leads.where(Lead.id != item.id).order_by(Lead.created_at.desc())
    timeline = item.timeline()
    return render_template(
        "crm/lead.html",
        lead=item,
        contact=contact,
        others=others,
        timeline=timeline,
        people=_people(timeline),
        update=update,
        follow_up=follow_up,
        note=note,
        statuses=STATUS_LABELS,
        types=TYPE_LABELS,
        organisation_types=ORGANISATION_TYPE_LABELS,
        registrations=list(Registration.for_email(contact.email)),
        subscription=Subscription.by_email(contact.email),
        today=clock.local_today(),
        attribution=lead_attribution.for_lead(item),
        lookback_days=analytics.ATTRIBUTION_LOOKBACK_DAYS,
    ), status


def _people(timeline: list[TimelineEntry]) -> dict[int, str]:
    """The names of the users an owner change or creation names (by id)."""
    ids = {
        value
        for entry in timeline
        if entry.kind in ("owner", "created")
        for value in (entry.detail.get("from"), entry.detail.get("to"), entry.detail.get("owner"))
        if isinstance(value, int)
    }
    if not ids:
        return {}
    return {u.id: u.full_name or u.email for u in User.select().where(User.id.in_(ids))}


@bp.route("/att-gora")
@role_required(*READ_ROLES)
def due():
    """Follow-ups due today or overdue: the user's own leads, or everyone's (``?alla=1``)."""
    everyone = request.args.get("alla", "")
    if everyone not in ("", "0", "1"):
        abort(400)
    today = clock.local_today()
    leads = list(Lead.due(today, owner=None if everyone == "1" else current_user.id))
    return render_template(
        "crm/due.html",
        overdue=[lead for lead in leads if lead.follow_up_on < today],
        today_leads=[lead for lead in leads if lead.follow_up_on == today],
        everyone=everyone == "1",
        today=today,
        statuses=STATUS_LABELS,
        types=TYPE_LABELS,
    )


def _form_id(value: str | None) -> str:
    """The form's one-time id when it looks like one we issued, else a fresh one."""
    value = value or ""
    return value if FORM_ID.fullmatch(value) else uuid.uuid4().hex


@bp.route("/ny", methods=["GET", "POST"])
@role_required(*WRITE_ROLES)
def new_lead():
    """A lead from a phone call, typed in by staff."""
    form = NewLeadForm()
    form.products.choices = [SelectChoice(p.slug, p.name) for p in Product.listed()]
    form.owner.choices = _owner_choices()
    if request.method == "GET":
        form.submission.data = uuid.uuid4().hex
        form.owner.data = current_user.id
    if form.validate_on_submit():
        by = current_user._get_current_object()
        products = "\n".join(dict.fromkeys(form.products.data or []))
        item, created = register_call(
            _form_id(form.submission.data),
            form.type.data or "question",
            contact_fields={
                "email": form.email.data,
                "first_name": form.first_name.data or "",
                "last_name": form.last_name.data or "",
                "organisation_name": form.organisation.data or "",
                "work_phone": form.work_phone.data or "",
                "products_of_interest": products,
            },
            lead_fields={
                "message": form.message.data or "",
                "organisation_type": form.organisation_type.data or "",
                "products": products,
                "owner": form.owner.data or None,
            },
            by=by,
            follow_up_on=form.follow_up_on.data,
            follow_up_note=form.follow_up_note.data or "",
        )
        if created:
            notify.assigned(item, by)
            flash(_("Leadet är registrerat."), "success")
        return redirect(url_for(".lead", lead_id=item.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("crm/new_lead.html", form=form), status


@bp.route("/kontakter/<int(max=2147483647):contact_id>/sammanfoga", methods=["GET", "POST"])
@role_required(*WRITE_ROLES)
def merge(contact_id: int):
    """Merge another contact (the same person) into this one: search, preview, confirm."""
    kept = Contact.get_or_none(Contact.id == contact_id) or abort(404)
    form = MergeForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        duplicate_id = row_id(form.duplicate.data or "")
        if duplicate_id == kept.id:
            abort(400)
        try:
            merging.merge(kept.id, duplicate_id, current_user._get_current_object())
        except merging.MergeRefused:
            abort(404)
        flash(_("Kontakterna är sammanfogade."), "success")
        newest = kept.leads.order_by(Lead.created_at.desc(), Lead.id.desc()).first()
        if newest is None:
            return redirect(url_for(".index"), 303)
        return redirect(url_for(".lead", lead_id=newest.id), 303)
    search = request.args.get("q", "")[:100]
    if has_control_characters(search):
        abort(400)
    plan = None
    other = request.args.get("med", "")
    if other:
        duplicate = Contact.get_or_none(Contact.id == row_id(other)) or abort(404)
        if duplicate.id == kept.id:
            abort(400)
        plan = merging.plan(kept, duplicate)
        form.duplicate.data = str(duplicate.id)
    return render_template(
        "crm/merge.html",
        kept=kept,
        search=search,
        found=merging.candidates(kept, search) if search and plan is None else [],
        plan=plan,
        form=form,
        statuses=STATUS_LABELS,
        types=TYPE_LABELS,
    )
