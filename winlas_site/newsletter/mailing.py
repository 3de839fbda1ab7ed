"""The newsletter's emails: confirmation and preference links (administrative) and the
newsletter itself (marketing, with RFC 8058 one-click unsubscribe headers).

Every link is absolute on WINLAS_SITE_URL (``external_url``), never on the request's Host
header: a forged Host must not end up in an email (docs/HOSTILE_INPUTS.md #16).
"""

from __future__ import annotations

import logging

from flask import current_app

from ..links import external_url
from ..mail import queue_email
from ..mail.models import OutboxMessage
from ..queue import task
from . import tokens
from .models import NewsletterIssue, Preference, Subscription

log = logging.getLogger("winlas.newsletter")

ONE_CLICK = "List-Unsubscribe=One-Click"


def _queue(*args, **kwargs) -> bool:
    """Queue one email; False when the mail layer refuses the address."""
    try:
        queue_email(*args, **kwargs)
    except ValueError:
        log.warning("newsletter mail not queued (address refused): %s", kwargs.get("related"))
        return False
    return True


def _base_context() -> dict:
    return {"site_url": current_app.config["WINLAS_SITE_URL"].rstrip("/")}


def preferences_url(preference: Preference) -> str:
    return external_url(
        "newsletter.preferences",
        token=tokens.make(tokens.PREFERENCES, preference.id, preference.digest),
    )


def unsubscribe_url(subscription: Subscription) -> str:
    return external_url(
        "newsletter.unsubscribe",
        token=tokens.make(tokens.UNSUBSCRIBE, subscription.id, subscription.digest),
    )


def unsubscribe_headers(url: str) -> dict[str, str]:
    """``List-Unsubscribe`` for the message's own unsubscribe ``url`` (HTTPS first, mailto as
    the fallback) and the one-click marker."""
    targets = [f"<{url}>"]
    mailbox = current_app.config["WINLAS_NEWSLETTER_UNSUBSCRIBE_MAILTO"]
    if mailbox:
        targets.append(f"<mailto:{mailbox}?subject=avregistrera>")
    return {"List-Unsubscribe": ", ".join(targets), "List-Unsubscribe-Post": ONE_CLICK}


def start_subscription(email: str, source: str, language: str) -> Subscription:
    """Record a sign-up and mail the address: a confirmation link, or, when it is confirmed
    already, a note saying so (the caller's page must look the same either way)."""
    subscription, confirmed = Subscription.request(email, source, language)
    if confirmed:
        send_already_subscribed(subscription, language)
    else:
        send_confirmation(subscription)
    return subscription


def send_confirmation(subscription: Subscription) -> bool:
    """The double opt-in mail: a signed link valid for a week."""
    url = external_url(
        "newsletter.confirm",
        token=tokens.make(tokens.CONFIRM, subscription.id, subscription.digest),
    )
    return _queue(
        subscription.email,
        "newsletter/confirm",
        {**_base_context(), "confirm_url": url, "days": tokens.CONFIRM_DAYS},
        # the answer to the person's own request: it goes out whatever they chose about marketing
        kind="administrative",
        language=subscription.language,
        related=f"subscription:{subscription.id}",
    )


def send_already_subscribed(subscription: Subscription, language: str) -> bool:
    """Tell a confirmed subscriber (and only them, in their inbox) that they are subscribed."""
    preference = Preference.for_email(subscription.email)
    return _queue(
        subscription.email,
        "newsletter/already_subscribed",
        {**_base_context(), "preferences_url": preferences_url(preference)},
        kind="administrative",
        language=language,
        related=f"subscription:{subscription.id}",
    )


def send_preferences_link(preference: Preference, language: str) -> bool:
    """A fresh link to the preference centre, asked for on /installningar."""
    return _queue(
        preference.email,
        "newsletter/preferences_link",
        {**_base_context(), "preferences_url": preferences_url(preference)},
        kind="administrative",
        language=language,
        related=f"preference:{preference.id}",
    )


def issue_context(
    issue: NewsletterIssue, subscription: Subscription, preference: Preference, tracked: bool
) -> dict:
    """What the newsletter template needs for one recipient.

    Without the recipient's consent to tracking there is no pixel and every link points straight
    at its target; with it, links go through /nyhetsbrev/l/<token>, which names a stored link.
    """
    links = []
    for link in issue.ordered_links():
        if tracked:
            token = tokens.make(tokens.CLICK, link.id, subscription.id, subscription.digest)
            href = external_url("newsletter.click", token=token)
        else:
            href = link.url
        links.append({"label": link.label, "href": href})
    pixel = None
    if tracked:
        token = tokens.make(tokens.OPEN, issue.id, subscription.id, subscription.digest)
        pixel = external_url("newsletter.open_pixel", token=token)
    # the English edition for an English subscriber when it is written, else the Swedish one
    language = issue.edition_language(subscription.language)
    return {
        **_base_context(),
        "subject": issue.subject_in(language),
        "content_language": language,
        "paragraphs": issue.paragraphs(language),
        "links": links,
        "pixel_url": pixel,
        "unsubscribe_url": unsubscribe_url(subscription),
        "preferences_url": preferences_url(preference),
    }


def send_issue(issue: NewsletterIssue) -> int | None:
    """Claim the issue and hand its sending to the queue; None when it had been sent already.

    The request only claims it (once, whatever the double clicks) and returns the number of
    confirmed subscribers; the queue writes one outbox message per recipient, so a long list
    never holds a web worker.
    """
    if not issue.claim_for_sending():
        return None
    deliver_issue(issue.id)
    return Subscription.recipient_count()


def queue_issue(issue: NewsletterIssue) -> int:
    """Queue the issue for every confirmed subscriber not queued yet; return how many have it.

    Only confirmed subscriptions receive it: pending sign-ups and unsubscribed addresses are
    skipped (P18, P21). Each message is marketing mail with the one-click unsubscribe headers.
    Safe to run again after a crash: addresses already in the outbox for it are skipped.
    """
    related = f"newsletter:{issue.id}"
    done = {message.to_address for message in OutboxMessage.for_related(related)}
    sent = len(done)
    tracked = issue.tracked_count or 0
    try:
        # read the list first: every queue_email commits on the same connection
        for subscription in list(Subscription.recipients()):
            if subscription.email in done:
                continue
            preference = getattr(subscription, "pref", None)
            if preference is None or preference.id is None:
                preference = Preference.for_email(subscription.email)
            if not preference.newsletter:  # the mirror says no: never send on a doubt
                continue
            track = bool(preference.email_tracking_consent)
            # one link for the header and the body: a token signed in another second would
            # differ, and a reader (or a filter) comparing them would see two addresses
            context = issue_context(issue, subscription, preference, track)
            if _queue(
                subscription.email,
                "newsletter/issue",
                context,
                kind="marketing",
                language=subscription.language,
                headers=unsubscribe_headers(context["unsubscribe_url"]),
                related=related,
            ):
                sent += 1
                tracked += track
    finally:
        NewsletterIssue.update(recipient_count=sent, tracked_count=tracked).where(
            NewsletterIssue.id == issue.id
        ).execute()
        issue.recipient_count, issue.tracked_count = sent, tracked
    return sent


@task(retries=3, retry_delay=60)
def deliver_issue(issue_id: int) -> None:
    """Queue one claimed issue for its subscribers (idempotent: a retry skips those done)."""
    issue = NewsletterIssue.get_or_none(NewsletterIssue.id == issue_id)
    if issue is not None and issue.sent_at is not None:
        queue_issue(issue)
