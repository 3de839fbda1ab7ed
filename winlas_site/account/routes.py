"""Views of "Mitt konto": /konto/ (see and edit), /konto/export, /konto/radera, and the
one-click "keep my account" link of the inactivity reminder."""

from __future__ import annotations

import logging

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
from flask_login import current_user, login_required, logout_user

import analytics

# ``preferences`` as a module, used by attribute: it imports account.models, whose package
# imports this module, so its names may not exist yet while this module loads
from .. import consent, inventory, preferences
from ..auth.models import Organisation, User, normalise_email
from ..consent.models import ConsentRecord
from ..courses.models import Registration
from ..db import database, one_by
from ..digest.forms import DigestForm
from ..digest.models import READER_ROLES, DigestSubscription
from ..i18n import current_language
from ..leads.models import Contact, Lead, normalise_address
from ..newsletter.forms import PreferencesForm
from ..newsletter.models import (
    NEWSLETTER_CONSENT_VERSION,
    TRACKING_CONSENT_VERSION,
    Preference,
    Subscription,
)
from ..retention import keep_account, user_from_keep_token
from ..security import PRIVATE
from ..views import form_page, json_download
from . import data as person
from .forms import ButtonForm, EraseForm, ProfileForm
from .models import AuditEntry

bp = Blueprint("account", __name__, url_prefix="/konto")

log = logging.getLogger("winlas.account")


def _consent_id() -> str | None:
    return consent.core.read(request)[1]


def _browser() -> dict:
    """What ties this browser (not the person) to stored rows: consent id and visitor id."""
    visitor = request.cookies.get(current_app.config["ANALYTICS_VISITOR_COOKIE"])
    return {"consent_id": _consent_id(), "visitor_ids": (visitor[:32],) if visitor else ()}


def _profile_form(formdata=None, contact: Contact | None = None) -> ProfileForm:
    """The personal fields: as posted, or (``formdata`` None) as stored, with ``contact`` the
    person's CRM contact."""
    form = ProfileForm(formdata=formdata)
    if formdata is None:
        user = current_user
        form.first_name.data = user.first_name
        form.last_name.data = user.last_name
        form.email.data = user.email
        # the account's own number; else the one the CRM contact holds (given in an inquiry
        # or a sign-up, or taken by staff on the phone). Saving writes both (update_profile).
        form.work_phone.data = user.work_phone or (contact.work_phone if contact else "")
    return form


def _preferences_form(formdata=None) -> PreferencesForm:
    if formdata is not None:
        return PreferencesForm(formdata=formdata)
    return PreferencesForm(
        formdata=None, obj=preferences.choices_of(preferences.preference_of(current_user.email))
    )


def _page(profile_form=None, preferences_form=None, status=200):
    """The account page: the forms, and everything else stored about the person."""
    user = current_user
    contact = one_by(Contact.email, normalise_address(user.email))
    leads = (
        list(Lead.select().where(Lead.contact == contact).order_by(Lead.created_at.desc()))
        if contact
        else []
    )
    consent_id = _consent_id()
    records = list(ConsentRecord.history(consent_id)) if consent_id else []
    # the weekly digest's switch: only for those who read the statistics
    digest_form, digest = None, None
    if user.has_role(*READER_ROLES):
        digest = DigestSubscription.of(user)
        digest_form = DigestForm(
            formdata=None,
            digest_active=bool(digest and digest.active),
            digest_language=digest.language if digest else current_language(),
        )
    return (
        render_template(
            "account/index.html",
            profile_form=profile_form or _profile_form(contact=contact),
            preferences_form=preferences_form or _preferences_form(),
            registrations=Registration.of_user(user),
            leads=leads,
            consent_records=records,
            interests=analytics.profile_for_user(user.id),
            organisation=one_by(Organisation.id, user.organisation_id)
            if user.organisation_id is not None
            else None,
            consent_version=NEWSLETTER_CONSENT_VERSION,
            tracking_version=TRACKING_CONSENT_VERSION,
            digest_form=digest_form,
            digest_subscription=digest,
        ),
        status,
        PRIVATE,
    )


@bp.route("/")
@login_required
def index():
    """Everything about me, and forms to change it (P13, P19)."""
    return _page()


def _move_address(old: str, new: str) -> None:
    """The person's newsletter choices and CRM contact follow their new address, unless the
    new address already has its own (then the old ones stay where they are)."""
    old, new = normalise_address(old), normalise_address(new)
    for model in (Preference, Subscription, Contact):
        if model.get_or_none(model.email == new) is None:
            model.update(email=new).where(model.email == old).execute()


@bp.route("/uppgifter", methods=["POST"])
@login_required
def update_profile():
    """Save the personal fields; a new email address needs the current password."""
    form = _profile_form(request.form)
    if not form.validate_on_submit():
        return _page(profile_form=form, status=400)
    user = User.get_by_id(current_user.id)
    new_email = normalise_email(form.email.data)
    if new_email != user.email:
        if not form.password.data or not user.check_password(form.password.data):
            form.password.errors.append(
                _("Ange ditt nuvarande lösenord för att byta e-postadress.")
            )
            return _page(profile_form=form, status=400)
        if User.select().where((User.email == new_email) & (User.id != user.id)).exists():
            # the same words whatever the reason: the form tells nothing about other accounts
            form.email.errors.append(_("Den e-postadressen kan inte användas för ditt konto."))
            return _page(profile_form=form, status=400)
    with database.atomic():
        if new_email != user.email:
            _move_address(user.email, new_email)
        User.update(
            first_name=form.first_name.data,
            last_name=form.last_name.data,
            email=new_email,
            work_phone=form.work_phone.data or "",
        ).where(User.id == user.id).execute()
        contact = Contact.get_or_none(Contact.email == normalise_address(new_email))
        if contact is not None:
            # the CRM contact is the same person: keep the two in step (P13)
            Contact.update(
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                work_phone=form.work_phone.data or "",
            ).where(Contact.id == contact.id).execute()
    log.info("profile updated user=%s", user.id)
    flash(_("Dina uppgifter är sparade."), "success")
    return redirect(url_for(".index"), 303)


@bp.route("/installningar", methods=["POST"])
@login_required
def update_preferences():
    """Newsletter, open/click measurement and the objection to profiling (P19)."""
    form = _preferences_form(request.form)
    if not form.validate_on_submit():
        return _page(preferences_form=form, status=400)
    # the objection deletes the profile at once, not at the next update
    preferences.save_choices(
        current_user.email,
        preferences.Choices.from_form(form),
        source=url_for(".index"),
        language=current_language(),
        actor=current_user,
        request=request,
    )
    flash(_("Dina val är sparade och gäller från och med nu."), "success")
    return redirect(url_for(".index") + "#installningar", 303)


@bp.route("/export")
@login_required
def export():
    """A readable summary of the export, with the download button (P12)."""
    found = person.person_data(current_user.email, user=current_user, **_browser())
    return (
        render_template(
            "account/export.html",
            data=found,
            counts=person.summary(found),
            inventory=inventory.described(),
        ),
        200,
        PRIVATE,
    )


@bp.route("/export.json")
@login_required
def export_json():
    """Everything stored about me, as one JSON file."""
    found = person.person_data(current_user.email, user=current_user, **_browser())
    AuditEntry.record(
        "self_export", actor=current_user, email=current_user.email, details=person.summary(found)
    )
    return json_download(found, "winlas-mina-uppgifter.json")


@bp.route("/radera", methods=["GET", "POST"])
@login_required
def erase():
    """Delete my account and everything about me, after the password in the same form (P14)."""
    form = EraseForm()
    if not form.validate_on_submit():
        return form_page("account/erase.html", form, headers=PRIVATE)
    user = User.get_by_id(current_user.id)
    if not user.check_password(form.password.data):
        log.warning("erasure refused: wrong password user=%s", user.id)
        form.password.errors.append(_("Fel lösenord."))
        return form_page("account/erase.html", form, headers=PRIVATE)
    address, language = user.email, current_language()
    counts = person.erase_person(address, user=user, visitor_ids=_browser()["visitor_ids"])
    AuditEntry.record("self_erase", email=address, details=counts)
    log.info("account erased by its owner (former user %s)", user.id)
    person.send_confirmation(address, language, "request")
    logout_user()
    session.clear()
    return _forget_browser(redirect(url_for(".erased"), 303))


def _forget_browser(response: Response) -> Response:
    """What the browser keeps of the person goes with the erasure: the analytics visitor id
    (a new one is issued later only with statistics consent, tied to nothing), the remember-me
    cookie (its session row is gone already) and the tracker's queue in browser storage, which
    could still hold the click on "Radera mitt konto". The consent cookie stays: it names a
    browser's choice, not the person, and the banner should not ask again."""
    config = current_app.config
    secure = request.is_secure or bool(config.get("SESSION_COOKIE_SECURE"))
    for name in (config["ANALYTICS_VISITOR_COOKIE"], config["REMEMBER_COOKIE_NAME"]):
        response.delete_cookie(name, secure=secure, httponly=True, samesite="Lax")
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


@bp.route("/raderat")
def erased():
    """The account is gone."""
    return render_template("account/erased.html"), 200, PRIVATE


@bp.route("/behall/<token>", methods=["GET", "POST"])
def keep(token: str):
    """The reminder's "keep my account" link: GET shows one button (mail scanners follow
    links), POST counts as activity and moves the deletion two years ahead."""
    user = user_from_keep_token(token)
    if user is None:
        return render_template("account/keep_invalid.html"), 400, PRIVATE
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        keep_account(user)
        return render_template("account/kept.html"), 200, PRIVATE
    return render_template("account/keep.html", form=form), 200, PRIVATE
