"""Views: sign-up and confirmation, unsubscribe, the preference centre, tracking, staff sending.

No link in an email changes anything on GET: mail scanners follow every link, so a GET only
shows a page with a button and the POST does the work (Mautic's GET-unsubscribe is the mistake
to avoid).
"""

from __future__ import annotations

import base64
import hashlib
import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import conversions

# the module, used by attribute: it imports profiling, which imports newsletter.models, whose
# package imports this module, so its names may not exist yet while this module loads (and
# ``preferences`` is the name of a view here)
from .. import preferences as preference_service
from ..auth.decorators import role_required
from ..auth.models import User
from ..clock import now
from ..db import database
from ..extensions import csrf, limiter
from ..i18n import current_language, keep_language, link_language
from ..leads.models import DOUBLE_SUBMIT_WINDOW, Contact, normalise_address, write_transaction
from ..links import with_language
from ..security import NO_STORE, PRIVATE, is_safe_redirect, no_store
from ..spam import FRESH, REPLAYED, started_token
from ..views import SPAM, form_page, screen
from . import mailing, tokens, tracking
from .forms import (
    IssueForm,
    LinkRequestForm,
    PreferencesForm,
    SendForm,
    SubscribeForm,
    clean_source,
)
from .models import (
    NEWSLETTER_CONSENT_VERSION,
    TRACKING_CONSENT_VERSION,
    MailEvent,
    NewsletterIssue,
    NewsletterLink,
    Preference,
    Subscription,
)

bp = Blueprint("newsletter", __name__)

log = logging.getLogger("winlas.newsletter")

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
MAX_ID = 2**31 - 1


def _email_key() -> str:
    # the limiter's store holds a digest, not the address
    email = normalise_address(request.form.get("email", ""))[:254]
    return "newsletter-email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


_limit_client = limiter.limit(lambda: current_app.config["WINLAS_FORM_LIMIT"], methods=["POST"])
# one mailbox cannot be flooded with confirmation mails
_limit_email = limiter.limit(
    lambda: current_app.config["WINLAS_FORM_EMAIL_LIMIT"],
    key_func=_email_key,
    methods=["POST"],
)


@bp.app_context_processor
def form_helpers() -> dict:
    """``newsletter_signup_form()`` and ``newsletter_preferences_form()`` for the partials."""

    def newsletter_signup_form(id_prefix: str = "nl") -> SubscribeForm:
        form = SubscribeForm(formdata=None)
        form.started.data = started_token()
        form.source.data = clean_source(request.path, url_for("newsletter.subscribe"))
        for field in form:  # two copies on one page (news page and footer) need their own ids
            field.id = f"{id_prefix}-{field.id}"
        return form

    def newsletter_preferences_form() -> PreferencesForm | None:
        if not current_user.is_authenticated:
            return None
        return _filled_preferences_form(preference_service.preference_of(current_user.email))

    return {
        "newsletter_signup_form": newsletter_signup_form,
        "newsletter_preferences_form": newsletter_preferences_form,
        "newsletter_consent_version": NEWSLETTER_CONSENT_VERSION,
        "newsletter_tracking_version": TRACKING_CONSENT_VERSION,
    }


def _is_row_id(value) -> bool:
    """An id a row of ours can have: an int (not a bool) within the integer column's range,
    so a token naming 10**30 is an unknown link, not a database overflow."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _bad_link(kind: str):
    """The page for an expired, tampered or unknown link (400)."""
    return render_template("newsletter/invalid_link.html", kind=kind), 400, PRIVATE


def _subscription_from(kind: str, token: str):
    """The subscription a valid token of ``kind`` names, and when the token was made."""
    found = tokens.read(kind, token, 2)
    if found is None:
        return None, None
    (subscription_id, digest), issued = found
    if not _is_row_id(subscription_id):
        return None, None
    subscription = Subscription.get_or_none(Subscription.id == subscription_id)
    if subscription is None or subscription.digest != digest:
        return None, None
    return subscription, issued


def _filled_preferences_form(preference: Preference, formdata=None) -> PreferencesForm:
    if formdata is not None:
        return PreferencesForm(formdata=formdata)
    return PreferencesForm(formdata=None, obj=preference_service.choices_of(preference))


# sign-up ---------------------------------------------------------------------------------


@bp.route("/nyhetsbrev", methods=["GET", "POST"])
@_limit_client
@_limit_email
def subscribe():
    """The sign-up form; a valid POST mails a confirmation link (double opt-in)."""
    form = SubscribeForm()
    if request.method == "GET":
        form.started.data = started_token()
        form.source.data = url_for(".subscribe")
    if form.validate_on_submit():
        verdict = screen(form, "newsletter")
        if verdict == SPAM:
            return render_template("newsletter/refused.html"), 400
        if verdict == REPLAYED:
            # a double click: the first sending did it all, the answer is the same
            return redirect(url_for(".thanks"), 303)
        if verdict == FRESH:
            source = clean_source(form.source.data, url_for(".subscribe"))
            mailing.start_subscription(form.email.data, source, current_language())
            conversions.record("newsletter")
            # the same answer either way: the page never tells whether an address is subscribed
            return redirect(url_for(".thanks"), 303)
    return form_page("newsletter/subscribe.html", form, headers=NO_STORE)


@bp.route("/nyhetsbrev/tack")
def thanks():
    """What happens next: the confirmation mail."""
    return render_template("newsletter/thanks.html", days=tokens.CONFIRM_DAYS)


@bp.route("/nyhetsbrev/bekrafta/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button (scanners follow links); POST confirms the address (idempotent)."""
    subscription, issued = _subscription_from(tokens.CONFIRM, token)
    if subscription is None:
        return _bad_link("confirm")
    form = SendForm()
    if request.method == "POST" and form.validate_on_submit():
        if not subscription.confirm(issued):
            return _bad_link("confirm")
        preference = Preference.for_email(subscription.email)
        return (
            render_template(
                "newsletter/confirmed.html",
                preferences_url=keep_language(mailing.preferences_url(preference)),
            ),
            200,
            PRIVATE,
        )
    return form_page("newsletter/confirm.html", form, headers=PRIVATE, subscription=subscription)


# unsubscribe -------------------------------------------------------------------------------


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" without any token of ours, so the
# endpoint is exempt from CSRF and authenticated by the signed link instead.
@bp.route("/nyhetsbrev/avregistrera/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET shows one button; POST (the button or a one-click client) unsubscribes."""
    subscription, _issued = _subscription_from(tokens.UNSUBSCRIBE, token)
    if subscription is None:
        return _bad_link("unsubscribe")
    if request.method == "POST":
        subscription.unsubscribe()
        log.info("unsubscribed subscription=%s", subscription.id)
        preference = Preference.for_email(subscription.email)
        return (
            render_template(
                "newsletter/unsubscribed.html",
                preferences_url=keep_language(mailing.preferences_url(preference)),
            ),
            200,
            PRIVATE,
        )
    return (
        render_template("newsletter/unsubscribe.html", subscription=subscription),
        200,
        PRIVATE,
    )


# preference centre ---------------------------------------------------------------------------


def _preferences_page(
    preference: Preference, action: str, template: str, back: str, actor: User | None = None
):
    """Show and save the switches of one address; saving takes effect at once. ``actor`` is
    the logged-in user whose own address it is (None for a signed link)."""
    if request.method == "POST":
        form = _filled_preferences_form(preference, formdata=request.form)
        if form.validate_on_submit():
            # the objection deletes the interest profile at once and stops it (P19)
            preference_service.save_choices(
                preference.email,
                preference_service.Choices.from_form(form),
                source=url_for(".account_preferences"),
                language=current_language(),
                actor=actor,
                request=request,
            )
            flash(_("Dina val är sparade och gäller från och med nu."), "success")
            return redirect(back, 303)
    else:
        form = _filled_preferences_form(preference)
    return form_page(
        template,
        form,
        headers=PRIVATE,
        action=action,
        email=preference.email,
        subscription=Subscription.by_email(preference.email),
        consent_version=NEWSLETTER_CONSENT_VERSION,
        tracking_version=TRACKING_CONSENT_VERSION,
    )


@bp.route("/installningar/<token>", methods=["GET", "POST"])
def preferences(token: str):
    """The preference centre reached by a signed link, no login needed (P19)."""
    found = tokens.read(tokens.PREFERENCES, token, 2)
    preference = None
    if found is not None:
        (preference_id, digest), _issued = found
        if _is_row_id(preference_id):
            preference = Preference.get_or_none(Preference.id == preference_id)
        if preference is not None and preference.digest != digest:
            preference = None
    if preference is None:
        return _bad_link("preferences")
    # issue 17: opened from an email, the page posts and comes back in the email's language
    here = keep_language(url_for(".preferences", token=token))
    return _preferences_page(preference, here, "newsletter/preferences.html", here)


@bp.route("/installningar", methods=["GET", "POST"])
@_limit_client
@_limit_email
def account_preferences():
    """Logged in: the same switches for the account's address. Otherwise: ask for a link."""
    if current_user.is_authenticated:
        here = url_for(".account_preferences")
        target = request.form.get("next", "")
        back = target if is_safe_redirect(target) else here
        return _preferences_page(
            preference_service.preference_of(current_user.email),
            here,
            "newsletter/preferences.html",
            back,
            actor=current_user,
        )
    form = LinkRequestForm()
    if request.method == "GET":
        form.started.data = started_token()
    if form.validate_on_submit():
        verdict = screen(form, "preference-link")
        if verdict == SPAM:
            return render_template("newsletter/refused.html"), 400
        if verdict == REPLAYED:
            return redirect(url_for(".link_sent"), 303)
        if verdict == FRESH:
            email = form.email.data
            # only an address we already know gets a link: the form is no way to mail
            # strangers. The page says the same either way.
            known = (
                Subscription.by_email(email)
                or Preference.get_or_none(Preference.email == email)
                or Contact.by_email(email)
            )
            if known is not None:
                mailing.send_preferences_link(Preference.for_email(email), current_language())
            return redirect(url_for(".link_sent"), 303)
    return form_page("newsletter/request_link.html", form, headers=NO_STORE)


@bp.route("/installningar/skickad")
def link_sent():
    """The answer to a link request, the same whether the address is known or not."""
    return render_template("newsletter/link_sent.html")


# open and click tracking (only for recipients who agreed to it) ----------------------------


def _tracked(kind: str, token: str):
    """The ids in a valid tracking token, the subscription (if it still matches) and its age."""
    found = tokens.read(kind, token, 3)
    if found is None or not all(_is_row_id(value) for value in found[0][:2]):
        abort(404)
    (target_id, subscription_id, digest), issued = found
    subscription = Subscription.get_or_none(Subscription.id == subscription_id)
    if subscription is not None and (
        subscription.digest != digest or not Preference.allows_tracking(subscription.email)
    ):
        subscription = None  # consent withdrawn since: follow the link, record nothing
    age = (now() - issued).total_seconds()
    return target_id, subscription, age


def _is_machine(age: float) -> bool:
    return tracking.is_machine(
        request.method,
        request.headers.get("User-Agent", "")[:1000],
        request.remote_addr or "",
        age,
    )


@bp.route("/nyhetsbrev/l/<token>")
def click(token: str):
    """Record a click and redirect to the stored URL of the link the token names, nowhere else."""
    link_id, subscription, age = _tracked(tokens.CLICK, token)
    link = NewsletterLink.get_or_none(NewsletterLink.id == link_id)
    if link is None or not link.url.startswith(("https://", "http://")):
        abort(404)
    if subscription is not None:
        MailEvent.record(
            link.issue_id, subscription, "click", link=link, is_machine=_is_machine(age)
        )
    # issue 17: a link to one of the site's pages opens in the language of the mail it was in
    language = link_language(request)
    target = with_language(link.url, language, html=False) if language else link.url
    return no_store(redirect(target, 302))


@bp.route("/nyhetsbrev/o/<token>.gif")
def open_pixel(token: str):
    """Record an open (a 1×1 image in the HTML mail of recipients who agreed to tracking)."""
    issue_id, subscription, age = _tracked(tokens.OPEN, token)
    if not NewsletterIssue.select().where(NewsletterIssue.id == issue_id).exists():
        abort(404)
    if subscription is not None:
        MailEvent.record(issue_id, subscription, "open", is_machine=_is_machine(age))
    response = make_response(PIXEL)
    response.headers["Content-Type"] = "image/gif"
    return no_store(response)


# staff: compose, preview, send -------------------------------------------------------------


def _issue_or_404(issue_id: int) -> NewsletterIssue:
    issue = None
    if issue_id <= MAX_ID:  # PostgreSQL's integer column: a larger id is simply unknown
        issue = NewsletterIssue.get_or_none(NewsletterIssue.id == issue_id)
    if issue is None:
        abort(404)
    return issue


@bp.route("/nyhetsbrev/utskick")
@role_required("staff", "marketer")
def issues():
    """The newsletter issues, newest first."""
    return render_template(
        "newsletter/issues.html",
        issues=NewsletterIssue.newest_first(),
        subscribers=Subscription.recipient_count(),
    )


def _save_issue(form: IssueForm, issue: NewsletterIssue | None) -> NewsletterIssue:
    if issue is None:
        return _new_issue(form)
    with database.atomic():
        issue.subject = (form.subject.data or "").strip()
        issue.body = (form.body.data or "").strip()
        issue.subject_en = (form.subject_en.data or "").strip()
        issue.body_en = (form.body_en.data or "").strip()
        issue.save()
        issue.replace_links(form.link_list())
    return issue


def _new_issue(form: IssueForm) -> NewsletterIssue:
    """A new draft; the same subject and text from the same person just before is a double
    submit and gives that draft back instead of a second one."""
    subject, body = (form.subject.data or "").strip(), (form.body.data or "").strip()
    with write_transaction(User.select().where(User.id == current_user.id)):
        issue = (
            NewsletterIssue.select()
            .where(
                (NewsletterIssue.created_by == current_user.id)
                & (NewsletterIssue.subject == subject)
                & (NewsletterIssue.body == body)
                & NewsletterIssue.sent_at.is_null()
                & (NewsletterIssue.created_at >= now() - DOUBLE_SUBMIT_WINDOW)
            )
            .first()
        )
        english = {
            "subject_en": (form.subject_en.data or "").strip(),
            "body_en": (form.body_en.data or "").strip(),
        }
        if issue is None:
            issue = NewsletterIssue.create(
                created_by=current_user.id, subject=subject, body=body, **english
            )
        else:
            NewsletterIssue.update(**english).where(NewsletterIssue.id == issue.id).execute()
        issue.replace_links(form.link_list())
    return issue


@bp.route("/nyhetsbrev/utskick/nytt", methods=["GET", "POST"])
@role_required("staff", "marketer")
def new_issue():
    """Write a new issue (saved as a draft, then previewed)."""
    form = IssueForm()
    if form.validate_on_submit():
        issue = _save_issue(form, None)
        return redirect(url_for(".issue_detail", issue_id=issue.id), 303)
    return form_page("newsletter/issue_form.html", form, issue=None)


@bp.route("/nyhetsbrev/utskick/<int:issue_id>/andra", methods=["GET", "POST"])
@role_required("staff", "marketer")
def edit_issue(issue_id: int):
    """Change a draft; a sent issue stays as it was sent."""
    issue = _issue_or_404(issue_id)
    if issue.sent_at is not None:
        flash(_("Utskicket är redan skickat och kan inte ändras."), "error")
        return redirect(url_for(".issue_detail", issue_id=issue.id), 303)
    form = IssueForm()
    if request.method == "GET":
        form.subject.data = issue.subject
        form.body.data = issue.body
        form.subject_en.data = issue.subject_en
        form.body_en.data = issue.body_en
        form.links.data = "\n".join(f"{link.label} | {link.url}" for link in issue.ordered_links())
    if form.validate_on_submit():
        _save_issue(form, issue)
        return redirect(url_for(".issue_detail", issue_id=issue.id), 303)
    return form_page("newsletter/issue_form.html", form, issue=issue)


@bp.route("/nyhetsbrev/utskick/<int:issue_id>")
@role_required("staff", "marketer")
def issue_detail(issue_id: int):
    """Preview of a draft, or the figures of a sent issue."""
    issue = _issue_or_404(issue_id)
    return render_template(
        "newsletter/issue_detail.html",
        issue=issue,
        links=issue.ordered_links(),
        stats=issue.stats() if issue.sent_at else None,
        subscribers=Subscription.recipient_count(),
    )


@bp.route("/nyhetsbrev/utskick/<int:issue_id>/skicka", methods=["GET", "POST"])
@role_required("staff", "marketer")
def send_issue(issue_id: int):
    """GET asks "send to N confirmed subscribers?"; POST sends, once."""
    issue = _issue_or_404(issue_id)
    form = SendForm()
    if issue.sent_at is None and form.validate_on_submit():
        sent = mailing.send_issue(issue)
        if sent is None:
            flash(_("Utskicket var redan skickat."), "error")
        else:
            log.info("newsletter %s sent to %s by user=%s", issue.id, sent, current_user.id)
            flash(_("Utskicket är på väg till %(n)d prenumeranter.", n=sent), "success")
        return redirect(url_for(".issue_detail", issue_id=issue.id), 303)
    if issue.sent_at is not None:
        flash(_("Utskicket var redan skickat."), "error")
        return redirect(url_for(".issue_detail", issue_id=issue.id), 303)
    return form_page(
        "newsletter/send.html", form, issue=issue, subscribers=Subscription.recipient_count()
    )
