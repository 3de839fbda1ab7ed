"""Views: the course pages, sign-up, the thank-you page, cancellation and the staff view."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
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
from ..crm.csvexport import to_csv
from ..extensions import limiter
from ..forms import BaseForm
from ..i18n import current_language
from ..leads.models import Contact
from ..products.models import Product
from ..security import NO_STORE
from ..spam import EXPIRED, REUSED, started_token
from ..views import SPAM, form_page, screen
from .forms import signup_form_for
from .models import (
    AlreadyRegistered,
    Course,
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


@bp.route("/utbildningar")
def index():
    """Courses and events, the next session first."""
    return render_template("courses/index.html", courses=Course.listed())


@bp.route("/utbildningar/<slug:slug>")
def detail(slug: str):
    """One course with its sessions, free places and sign-up links."""
    course = Course.by_slug(slug) or abort(404)
    product = Product.by_slug(course.product_slug) if course.product_slug else None
    return render_template(
        "courses/detail.html",
        course=course,
        sessions=course.upcoming_with_seats(),
        product=product,
    )


def _course_and_session(slug: str, session_id: int):
    course = Course.by_slug(slug) or abort(404)
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
            conversions.record("course")
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
        dietary_other=form.dietary_other.data or "",
        slots=slots,
        user=current_user if current_user.is_authenticated else None,
        language=current_language(),
        submission=form.submission_id(),
    )


@bp.route("/utbildningar/<slug:slug>/anmalan/tack")
def thanks(slug: str):
    """What happens next: the same page for every sign-up (the email says place or waitlist)."""
    course = Course.by_slug(slug) or abort(404)
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
    """Staff: the participants as CSV, formula-looking cells neutralised."""
    course = Course.by_slug(slug) or abort(404)
    body = to_csv(CSV_HEADER, csv_rows(course_report(course)))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="deltagare-{course.slug}.csv"',
            **NO_STORE,
        },
    )
