"""The weekly digest email: its content, its unsubscribe link, and queueing it to every reader.

The figures are counted once per run (``analytics.weekly_figures``) and rendered for each
reader in their language by the outbox (``mail.service.render`` under ``force_locale``). The
mail is administrative (a work report the reader asked for, not marketing), but it carries
``List-Unsubscribe`` headers as the newsletter does, so a mail client can turn it off with one
click. Every link is absolute on WINLAS_SITE_URL (``external_url``), never on a request's Host.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import asdict
from typing import Any

import analytics

from .. import clock, signing
from ..links import external_url
from ..mail import queue_email
from ..mail.service import render
from ..newsletter.mailing import ONE_CLICK
from .models import DigestSubscription

log = logging.getLogger("winlas.digest")

TEMPLATE = "digest/weekly"

# the unsubscribe link never expires (RFC 8058 expects it to keep working); it carries the row
# id and the row's random key
UNSUBSCRIBE = signing.DIGEST_UNSUBSCRIBE


# ------------------------------------------------------------------------------ the link


def unsubscribe_token(subscription: DigestSubscription) -> str:
    return signing.sign(UNSUBSCRIBE, [subscription.id, subscription.key])


def unsubscribe_url(subscription: DigestSubscription) -> str:
    return external_url("digest.unsubscribe", token=unsubscribe_token(subscription))


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe for the message's own link. Unlike the newsletter, no
    mailto fallback: that mailbox handles newsletter unsubscriptions, not this switch."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


def subscription_from(token: object) -> DigestSubscription | None:
    """The subscription a valid unsubscribe token names, else None (tampered, cut short, of
    another purpose, or naming a row that is gone or was made again)."""
    found = signing.unsign(UNSUBSCRIBE, token, signing.id_and_stamp)
    if found is None:
        return None
    subscription_id, key = found
    subscription = DigestSubscription.get_or_none(DigestSubscription.id == subscription_id)
    if subscription is None or subscription.key != key:
        return None
    return subscription


# ------------------------------------------------------------------------------ the content


def _dashboard_url(first: datetime.date, last: datetime.date) -> str:
    return external_url(
        "dashboard.index", period="custom", first=first.isoformat(), last=last.isoformat()
    )


def digest_context(figures: analytics.WeeklyFigures, unsubscribe: str | None) -> dict[str, Any]:
    """What the templates need for one reader: the week's figures (plain values, formatted by
    the template in the reader's language) and the links."""
    week, previous = figures.week, figures.previous_week
    return {
        "week_number": week.first.isocalendar().week,
        "first": week.first,
        "last": week.last,
        "previous_first": previous.first,
        "previous_last": previous.last,
        "figures": [{**asdict(figure), "change": figure.change} for figure in figures.figures],
        "movers": [
            {
                "dimension": movers.dimension,
                "measure": movers.measure,
                "up": [
                    {**asdict(m), "difference": m.difference, "status": m.status} for m in movers.up
                ],
                "down": [
                    {**asdict(m), "difference": m.difference, "status": m.status}
                    for m in movers.down
                ],
            }
            for movers in figures.movers
        ],
        "leads": [asdict(count) for count in figures.leads],
        "new_leads": figures.new_leads,
        "previous_leads": figures.previous_leads,
        "dashboard_url": _dashboard_url(week.first, week.last),
        "account_url": external_url("account.index") + "#veckosammanfattning",
        "unsubscribe_url": unsubscribe,
    }


def preview(figures: analytics.WeeklyFigures, language: str) -> tuple[str, str]:
    """(subject, text) of the digest as a reader in ``language`` gets it, without an
    unsubscribe link of anyone's (``winlas analytics digest --dry-run``)."""
    subject, text, _html = render(TEMPLATE, digest_context(figures, None), language)
    return subject, text


# ------------------------------------------------------------------------------ sending


def queue_week(monday: datetime.date | None = None, today: datetime.date | None = None) -> int:
    """Queue the digest of the week starting ``monday`` (default: the last complete week, in
    UTC days as the dashboard counts them) to every reader not sent that week (or a later one)
    yet; returns how many mails were queued. ValueError for a week that is no complete week.

    Each reader's week is claimed (``DigestSubscription.claim_week``) before the mail is
    queued: a doubled or restarted run skips the readers done, and a mail the outbox refuses
    (a broken address) is not retried every minute.
    """
    today = today or clock.now().date()
    if monday is None:
        monday = analytics.last_complete_week(today).first
    # a bad week is refused even when nobody is waiting for it
    analytics.checked_week(monday, today)
    pending = [reader for reader in DigestSubscription.readers() if _not_sent(reader, monday)]
    if not pending:
        return 0  # nothing is counted for nobody
    figures = analytics.weekly_figures(monday, today)
    related = f"digest:{monday.isoformat()}"
    sent = 0
    for reader in pending:
        if not reader.claim_week(monday):
            continue  # another run took this reader's week meanwhile
        url = unsubscribe_url(reader)
        try:
            queue_email(
                reader.user.email,
                TEMPLATE,
                digest_context(figures, url),
                kind="administrative",
                language=reader.language,
                headers=unsubscribe_headers(url),
                related=related,
            )
        except ValueError:
            log.warning("weekly digest for user %s not queued (address refused)", reader.user_id)
            continue
        sent += 1
    log.info("weekly digest of %s queued to %d reader(s)", monday.isoformat(), sent)
    return sent


def _not_sent(reader: DigestSubscription, monday: datetime.date) -> bool:
    return reader.last_sent_week is None or reader.last_sent_week < monday
