"""Views: the course pages, sign-up, the thank-you page, cancellation, the participant lists,
and course administration for staff (/personal/utbildningar: sessions, seminar slots,
participants, emails)."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import conversions
from ..auth.decorators import role_required
from ..clock import local_now
from ..content import find_or_redirect
from ..crm.csvexport import site_csv
from ..extensions import limiter
from ..forms import BaseForm
from ..i18n import current_language
from ..leads.attribution import remember
from ..leads.models import Contact
from ..products.models import Product
from ..security import NO_STORE
from ..spam import EXPIRED, REUSED, started_token
from ..views import SPAM, form_page, screen
from . import admin
from .forms import (
    DIETARY_LABELS,
    ActionForm,
    EmailForm,
    MoveForm,
    ParticipantForm,
    SessionForm,
    SlotForm,
    signup_form_for,
)
from .models import (
    DIETARY_CHOICES,
    AlreadyRegistered,
    CapacityTooLow,
    Course,
    CourseSession,
    NoSeatFree,
    NotActive,
    Participant,
    Registration,
    SeminarFull,
    SeminarSlot,
    SessionClosed,
)
from .report import CSV_HEADER, course_report, csv_rows
from .signup import (
    ExpiredLink,
    InvalidLink,
    cancel_token,
    registration_from_token,
    remind,
    send_email,
)

bp = Blueprint("courses", __name__)

STAFF_ROLES = ("staff", "marketer")
# the flask session key naming the course session the thank-you page describes: the session,
# never the sign-up, whose id and status would tell a new address from one signed up before
THANKS_KEY = "course_signup_session"
# a session id beyond PostgreSQL's integer range is a plain 404, not a database error
SESSION_ID = "int(max=2147483647):session_id"
SLOT_ID = "int(max=2147483647):slot_id"
REGISTRATION_ID = "int(max=2147483647):registration_id"
# course administration: staff (and admins) only, reading and writing (access.py)
ADMIN_ROLES = ("staff",)
ADMIN = "/personal/utbildningar"


@bp.route("/utbildningar")
def index():
    """Courses and events, the next session first."""
    return render_template("courses/index.html", courses=Course.listed())


@bp.route("/utbildningar/<slug:slug>")
def detail(slug: str):
    """One course with its sessions, free places and sign-up links."""
    course = find_or_redirect(Course, slug, "courses.detail")
    product = (
        Product.live().where(Product.slug == course.product_slug).first()
        if course.product_slug
        else None
    )
    return render_template(
        "courses/detail.html",
        course=course,
        sessions=course.upcoming_with_seats(),
        product=product,
    )


def _public_course(slug: str) -> Course:
    """A course the public may sign up for: a draft or scheduled page is not there yet."""
    course = Course.by_slug(slug)
    if course is None or not course.is_live:
        abort(404)
    return course


def _course_and_session(slug: str, session_id: int):
    course = _public_course(slug)
    return course, course.session(session_id) or abort(404)


def _prefill() -> dict:
    """A logged-in contact's own details, to save typing (GET only: a POST keeps what was
    sent)."""
    if not current_user.is_authenticated:
        return {}
    user = current_user
    contact = Contact.by_email(user.email)
    organisation = (contact.organisation_name if contact else "") or (
        user.organisation.name if user.organisation_id else ""
    )
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "organisation": organisation,
        "work_phone": user.work_phone or (contact.work_phone if contact else ""),
    }


def _signup_limit() -> str:
    return current_app.config["WINLAS_COURSE_SIGNUP_LIMIT"]


@bp.route(f"/utbildningar/<slug:slug>/anmalan/<{SESSION_ID}>", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def signup(slug: str, session_id: int):
    """The sign-up form of one session; a valid sign-up redirects to the thank-you page."""
    course, course_session = _course_and_session(slug, session_id)
    if not course_session.is_open:
        return render_template("courses/closed.html", course=course), 410
    form = signup_form_for(course_session, data=_prefill() if request.method == "GET" else None)
    if request.method == "GET":
        form.started.data = started_token()
        form.submission.data = uuid.uuid4().hex
    if form.validate_on_submit():
        verdict = screen(form, "course_signup")
        if verdict == SPAM:
            return render_template("courses/refused.html", course=course), 400, NO_STORE
        if verdict in (EXPIRED, REUSED):
            # back with what was typed, a fresh token and a fresh id (the old id belongs to the
            # first sending: sent again with it, this form would count as its double click)
            form.submission.data = uuid.uuid4().hex
            return _signup_page(course, course_session, form)
        try:
            registration = _sign_up(course_session, form)
        except AlreadyRegistered as taken:
            # The same answer as a new sign-up, so the form cannot tell anyone whether an
            # address is signed up; the mailbox's owner gets a reminder with the cancel link.
            # A double click (the same submission) sends nothing more.
            if not (form.submission_id() and taken.registration.submission == form.submission_id()):
                remind(taken.registration)
            return _thanks_redirect(course, course_session)
        except SeminarFull as full:
            for name in form.seminar_fields:
                if form[name].data == str(full.slot.id):
                    form[name].errors.append(_("Seminariet blev fullt. Välj ett annat."))
            # nothing was stored: the form goes back with a token it has not used yet
            form.started.data = started_token()
        except SessionClosed:
            return render_template("courses/closed.html", course=course), 410
        else:
            remember(registration, conversions.record("course"))
            send_email(
                registration,
                "confirmation" if registration.status == "confirmed" else "waitlisted",
            )
            return _thanks_redirect(course, course_session)
    return _signup_page(course, course_session, form)


def _signup_page(course, course_session, form):
    return form_page(
        "courses/signup.html",
        form,
        headers=NO_STORE,
        course=course,
        course_session=course_session,
        seats_left=course_session.seats_left(),
    )


def _thanks_redirect(course, course_session):
    """The one answer to every accepted sign-up form, whatever the address's state: a place, the
    waitlist, or signed up before. What happened goes to the address's owner by email."""
    session[THANKS_KEY] = course_session.id
    return redirect(url_for(".thanks", slug=course.slug), 303)


def _sign_up(course_session, form) -> Registration:
    wanted = form.chosen_slot_ids()
    slots = list(
        SeminarSlot.select().where(
            (SeminarSlot.course_session == course_session) & (SeminarSlot.id.in_(wanted))
        )
    )
    return Registration.sign_up(
        course_session,
        Participant(
            email=form.email.data,
            first_name=form.first_name.data,
            last_name=form.last_name.data,
            organisation_name=form.organisation.data,
            work_phone=form.work_phone.data or "",
        ),
        dietary_choices=form.dietary_codes(),
        dietary_other=form.dietary_text(),
        slots=slots,
        user=current_user if current_user.is_authenticated else None,
        language=current_language(),
        submission=form.submission_id(),
    )


@bp.route("/utbildningar/<slug:slug>/anmalan/tack")
def thanks(slug: str):
    """What happens next: the same page for every sign-up (the email says place or waitlist)."""
    course = _public_course(slug)
    session_id = session.get(THANKS_KEY)
    course_session = (
        course.session(session_id)
        if isinstance(session_id, int) and not isinstance(session_id, bool)
        else None
    )
    if course_session is None:
        return redirect(url_for(".detail", slug=course.slug))
    return (
        render_template("courses/thanks.html", course=course, course_session=course_session),
        200,
        NO_STORE,
    )


@bp.app_template_global("course_cancel_url")
def course_cancel_url(registration: Registration) -> str:
    """The cancellation page of a sign-up (for the account page's list)."""
    return url_for("courses.cancel", token=cancel_token(registration))


class CancelForm(BaseForm):
    """The one button of the cancellation page (a CSRF token, nothing else)."""


def _invalid_link(expired: bool):
    return render_template("courses/invalid_link.html", expired=expired), 400, NO_STORE


@bp.route("/utbildningar/avboka/<token>", methods=["GET", "POST"])
def cancel(token: str):
    """GET shows the sign-up and one button; only the POST cancels (mail scanners follow
    links). Cancelling twice changes nothing; a freed place goes to the waitlist."""
    try:
        registration = registration_from_token(token)
    except ExpiredLink:
        return _invalid_link(expired=True)
    except InvalidLink:
        return _invalid_link(expired=False)
    form = CancelForm()
    if form.validate_on_submit():
        promoted = registration.cancel()
        if promoted is not None:
            send_email(registration, "cancelled")
            for other in promoted:
                send_email(other, "promoted")
        return redirect(url_for(".cancel", token=token), 303)
    return (
        render_template(
            "courses/cancel.html",
            registration=registration,
            course_session=registration.course_session,
            course=registration.course_session.course,
            form=form,
        ),
        200,
        NO_STORE,
    )


@bp.route("/utbildningar/<slug:slug>/deltagare")
@role_required(*STAFF_ROLES)
def participants(slug: str):
    """Staff: the participants of every session, with dietary and seminar summaries."""
    course = Course.by_slug(slug) or abort(404)
    return (
        render_template("courses/participants.html", course=course, reports=course_report(course)),
        200,
        NO_STORE,
    )


@bp.route("/utbildningar/<slug:slug>/deltagare.csv")
@role_required(*STAFF_ROLES)
def participants_csv(slug: str):
    """Staff: the participants as CSV for a Swedish Excel (``site_csv``), formula-looking
    cells neutralised."""
    course = Course.by_slug(slug) or abort(404)
    body = site_csv(CSV_HEADER, csv_rows(course_report(course)))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="deltagare-{course.slug}.csv"',
            **NO_STORE,
        },
    )


# -- course administration (staff) --


def _staff_page(template: str, status: int = 200, **context):
    return render_template(template, **context), status, NO_STORE


def _session_or_404(session_id: int) -> CourseSession:
    return (
        CourseSession.select(CourseSession, Course)
        .join(Course)
        .where(CourseSession.id == session_id)
        .first()
    ) or abort(404)


def _registration_or_404(registration_id: int) -> Registration:
    return Registration.get_or_none(Registration.id == registration_id) or abort(404)


def _back_to(session: CourseSession):
    return redirect(url_for(".admin_session", session_id=session.id), 303)


@bp.route(ADMIN)
@role_required(*ADMIN_ROLES)
def admin_index():
    """Every course with its sessions: seats taken of capacity, the waitlist, open or closed."""
    sessions: dict[int, list[CourseSession]] = {}
    for course_session in CourseSession.for_admin():
        sessions.setdefault(course_session.course_id, []).append(course_session)
    courses = list(Course.select().order_by(Course.title_sv))
    return _staff_page("courses/admin_index.html", courses=courses, sessions=sessions)


def _session_form_page(course: Course, form: SessionForm, status: int, course_session=None):
    return _staff_page(
        "courses/admin_session_form.html",
        status,
        course=course,
        form=form,
        course_session=course_session,
    )


@bp.route(f"{ADMIN}/<slug:slug>/nytt-tillfalle", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def admin_session_new(slug: str):
    """A new session of a course."""
    course = Course.by_slug(slug) or abort(404)
    form = SessionForm()
    if request.method == "GET":
        form.dietary_options.data = list(DIETARY_CHOICES)
        form.signup_open.data = True
    if form.validate_on_submit():
        values = form.values()
        if values["starts_at"] <= local_now():
            form.starts_at.errors = [_("Ett nytt tillfälle måste ligga i framtiden.")]
        else:
            created = admin.create_session(current_user.id, course.id, values)
            flash(_("Tillfället är skapat."), "success")
            return _back_to(created)
    status = 400 if request.method == "POST" else 200
    return _session_form_page(course, form, status)


@bp.route(f"{ADMIN}/tillfallen/<{SESSION_ID}>/andra", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def admin_session_edit(session_id: int):
    """Change a session; raising the capacity promotes from the waitlist, lowering it below
    the confirmed sign-ups is refused (nobody confirmed is un-confirmed behind their back)."""
    course_session = _session_or_404(session_id)
    form = SessionForm(obj=course_session if request.method == "GET" else None)
    if request.method == "GET":
        form.dietary_options.data = course_session.dietary_codes
    if form.validate_on_submit():
        try:
            promoted = admin.change_session(current_user.id, course_session, form.values())
        except CapacityTooLow as low:
            form.capacity.errors = [
                _(
                    "%(confirmed)d deltagare har redan bekräftade platser. Avboka eller flytta "
                    "någon först, om platserna ska bli färre.",
                    confirmed=low.confirmed,
                )
            ]
        else:
            flash(_("Tillfället är sparat."), "success")
            if promoted:
                flash(_("%(count)d från väntelistan fick plats.", count=len(promoted)), "success")
            return _back_to(course_session)
    status = 400 if request.method == "POST" else 200
    return _session_form_page(course_session.course, form, status, course_session)


def _toggle(session_id: int, is_open: bool):
    course_session = _session_or_404(session_id)
    if ActionForm().validate_on_submit():
        admin.set_signup_open(current_user.id, course_session, is_open)
        flash(_("Anmälan är öppen.") if is_open else _("Anmälan är stängd."), "success")
        return _back_to(course_session)
    abort(400)


@bp.route(f"{ADMIN}/tillfallen/<{SESSION_ID}>/oppna", methods=["POST"])
@role_required(*ADMIN_ROLES)
def admin_session_open(session_id: int):
    """Open the public sign-up of a session again."""
    return _toggle(session_id, True)


@bp.route(f"{ADMIN}/tillfallen/<{SESSION_ID}>/stang", methods=["POST"])
@role_required(*ADMIN_ROLES)
def admin_session_close(session_id: int):
    """Close the public sign-up (the form answers as after the start; staff still add)."""
    return _toggle(session_id, False)


def _session_page(course_session: CourseSession, status: int = 200):
    registrations = list(
        Registration.participants(course_session.course).where(
            Registration.course_session == course_session
        )
    )
    others = [
        other
        for other in course_session.course.sessions_in_order()
        if other.id != course_session.id and not other.has_started
    ]
    confirmed, waiting = course_session.counts()
    return _staff_page(
        "courses/admin_session.html",
        status,
        course=course_session.course,
        course_session=course_session,
        registrations=registrations,
        others=others,
        confirmed=confirmed,
        waiting=waiting,
        action=ActionForm(),
        dietary_labels=DIETARY_LABELS,
    )


@bp.route(f"{ADMIN}/tillfallen/<{SESSION_ID}>")
@role_required(*ADMIN_ROLES)
def admin_session(session_id: int):
    """One session: its participants and waitlist, with the staff's actions on each."""
    return _session_page(_session_or_404(session_id))


@bp.route(f"{ADMIN}/tillfallen/<{SESSION_ID}>/ny-deltagare", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def admin_participant_add(session_id: int):
    """A sign-up staff take by phone: a place while there is one, else the waitlist."""
    course_session = _session_or_404(session_id)
    form = ParticipantForm()
    if form.validate_on_submit():
        participant = Participant(
            email=form.email.data or "",
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            organisation_name=form.organisation.data or "",
            work_phone=form.work_phone.data or "",
        )
        try:
            registration = admin.add_participant(
                current_user.id,
                course_session,
                participant,
                dietary_choices=list(form.dietary.data or []),
                dietary_other=form.dietary_other.data or "",
                language=form.language.data,
            )
        except AlreadyRegistered:
            form.email.errors = [_("Adressen är redan anmäld till tillfället.")]
        except SessionClosed:
            flash(_("Tillfället har redan börjat."), "error")
        else:
            if registration.status == "confirmed":
                flash(_("Deltagaren har fått en plats."), "success")
            else:
                flash(_("Tillfället är fullt: deltagaren står på väntelistan."), "success")
            return _back_to(course_session)
    status = 400 if request.method == "POST" else 200
    return _staff_page(
        "courses/admin_participant_form.html",
        status,
        course=course_session.course,
        course_session=course_session,
        form=form,
    )


def _refused(course_session: CourseSession, message: str):
    flash(message, "error")
    return _session_page(course_session, 409)


def _registration_action(registration_id: int) -> Registration:
    """The sign-up a row's button names, after the CSRF check (a 400 without)."""
    registration = _registration_or_404(registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return registration


@bp.route(f"{ADMIN}/anmalningar/<{REGISTRATION_ID}>/avboka", methods=["POST"])
@role_required(*ADMIN_ROLES)
def admin_registration_cancel(registration_id: int):
    """Cancel a sign-up for the participant: the place goes to the waitlist."""
    registration = _registration_action(registration_id)
    course_session = _session_or_404(registration.course_session_id)
    if course_session.has_started:
        return _refused(course_session, _("Tillfället har redan börjat."))
    if admin.cancel(current_user.id, registration):
        flash(_("Anmälan är avbokad."), "success")
    return _back_to(course_session)


@bp.route(f"{ADMIN}/anmalningar/<{REGISTRATION_ID}>/bekrafta", methods=["POST"])
@role_required(*ADMIN_ROLES)
def admin_registration_promote(registration_id: int):
    """Give a place to someone on the waitlist, whatever their place in the queue; when
    every place is taken only with the "extra place" box ticked (the capacity grows by one)."""
    registration = _registration_action(registration_id)
    course_session = _session_or_404(registration.course_session_id)
    if course_session.has_started:
        return _refused(course_session, _("Tillfället har redan börjat."))
    try:
        admin.promote(current_user.id, registration, request.form.get("extra_place") == "y")
    except NoSeatFree:
        return _refused(
            course_session,
            _(
                "Alla platser är tagna. Kryssa i ”extra plats” för att ge en plats utöver "
                "antalet, eller öka antalet platser."
            ),
        )
    except NotActive:
        return _refused(course_session, _("Deltagaren står inte längre på väntelistan."))
    flash(_("Deltagaren har fått en plats."), "success")
    return _back_to(course_session)


@bp.route(f"{ADMIN}/anmalningar/<{REGISTRATION_ID}>/flytta", methods=["POST"])
@role_required(*ADMIN_ROLES)
def admin_registration_move(registration_id: int):
    """Move a sign-up to another session of the same course."""
    registration = _registration_or_404(registration_id)
    course_session = _session_or_404(registration.course_session_id)
    form = MoveForm()
    targets = {
        other.id: other
        for other in course_session.course.sessions_in_order()
        if other.id != course_session.id
    }
    form.target.choices = [(target_id, str(target_id)) for target_id in targets]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Välj ett annat tillfälle av kursen."), "error")
        return _session_page(course_session, 400)
    if course_session.has_started:
        return _refused(course_session, _("Tillfället har redan börjat."))
    try:
        moved = admin.move(current_user.id, registration, targets[form.target.data])
    except SessionClosed:
        return _refused(course_session, _("Det andra tillfället har redan börjat."))
    except AlreadyRegistered:
        return _refused(course_session, _("Deltagaren är redan anmäld till det tillfället."))
    except NotActive:
        return _refused(course_session, _("Anmälan är redan avbokad."))
    if moved.status == "confirmed":
        flash(_("Deltagaren är flyttad och har en plats där."), "success")
    else:
        flash(_("Deltagaren är flyttad och står på väntelistan där."), "success")
    return _back_to(course_session)


@bp.route(f"{ADMIN}/tillfallen/<{SESSION_ID}>/mejl", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def admin_session_email(session_id: int):
    """Write to the participants of a session, in Swedish and English."""
    course_session = _session_or_404(session_id)
    form = EmailForm()
    if form.validate_on_submit():
        sent = admin.email_participants(current_user.id, course_session, form)
        flash(_("Meddelandet skickas till %(count)d deltagare.", count=sent), "success")
        return _back_to(course_session)
    status = 400 if request.method == "POST" else 200
    confirmed, waiting = course_session.counts()
    return _staff_page(
        "courses/admin_email.html",
        status,
        course=course_session.course,
        course_session=course_session,
        form=form,
        confirmed=confirmed,
        waiting=waiting,
    )


def _slot_page(course_session, form, status, slot=None):
    return _staff_page(
        "courses/admin_slot_form.html",
        status,
        course=course_session.course,
        course_session=course_session,
        form=form,
        slot=slot,
        action=ActionForm(),
    )


@bp.route(f"{ADMIN}/tillfallen/<{SESSION_ID}>/nytt-seminarium", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def admin_slot_new(session_id: int):
    """A seminar slot of a session (parallel slots share a start time)."""
    course_session = _session_or_404(session_id)
    form = SlotForm(session=course_session)
    if request.method == "GET":
        form.starts_at.data = course_session.starts_at
    if form.validate_on_submit():
        admin.save_slot(current_user.id, course_session, form.values(), None)
        flash(_("Seminariet är sparat."), "success")
        return _back_to(course_session)
    return _slot_page(course_session, form, 400 if request.method == "POST" else 200)


@bp.route(f"{ADMIN}/seminarier/<{SLOT_ID}>", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def admin_slot_edit(slot_id: int):
    """Change a seminar slot."""
    slot = SeminarSlot.get_or_none(SeminarSlot.id == slot_id) or abort(404)
    course_session = _session_or_404(slot.course_session_id)
    form = SlotForm(obj=slot if request.method == "GET" else None, session=course_session)
    if form.validate_on_submit():
        admin.save_slot(current_user.id, course_session, form.values(), slot)
        flash(_("Seminariet är sparat."), "success")
        return _back_to(course_session)
    return _slot_page(course_session, form, 400 if request.method == "POST" else 200, slot)


@bp.route(f"{ADMIN}/seminarier/<{SLOT_ID}>/ta-bort", methods=["POST"])
@role_required(*ADMIN_ROLES)
def admin_slot_delete(slot_id: int):
    """Remove a seminar slot that no active participant has chosen."""
    slot = SeminarSlot.get_or_none(SeminarSlot.id == slot_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    course_session = _session_or_404(slot.course_session_id)
    if not admin.delete_slot(current_user.id, slot):
        return _refused(
            course_session,
            _("Deltagare har valt seminariet. Flytta eller avboka dem först."),
        )
    flash(_("Seminariet är borttaget."), "success")
    return _back_to(course_session)
