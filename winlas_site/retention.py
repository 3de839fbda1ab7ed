"""Retention (P10): what the site deletes by itself, once a day, and ``winlas retention run``.

One run, for the day ``as_of``:

- customer accounts: a reminder (administrative email with a one-click "keep my account" link)
  ``WINLAS_INACTIVITY_REMINDER_DAYS`` days before ``WINLAS_INACTIVE_DAYS`` without activity
  (last activity = ``last_active_at``, or the account's creation when it has none); erasure
  on the day the inactivity reaches ``WINLAS_INACTIVE_DAYS`` -- but never less than
  ``WINLAS_INACTIVITY_REMINDER_DAYS`` days after the reminder, so a late reminder (the job
  did not run) still gives the promised notice. Staff accounts are not affected;
- raw analytics events and visits past ``ANALYTICS_RAW_RETENTION_DAYS``;
- proofs of consent past ``WINLAS_CONSENT_RECORD_MONTHS``;
- newsletter sign-ups left unconfirmed for 30 days;
- leads older than ``WINLAS_LEAD_RETENTION_DAYS``, course sign-ups of sessions that ended more
  than ``WINLAS_REGISTRATION_RETENTION_DAYS`` ago, then contacts nothing uses any more;
- delivered erasure confirmations (the last copy of an erased address).

Each run appends a summary to the audit log. Idempotent: the same day twice deletes nothing
more and sends no second reminder (one ``RetentionNotice`` per user and deadline).
"""

from __future__ import annotations

import datetime
import itertools
import logging
from collections.abc import Callable

import click
import peewee
from flask import current_app
from flask.cli import AppGroup
from huey import crontab

import analytics

from . import signing
from .account import data as person
from .account.models import AuditEntry, RetentionNotice
from .auth.models import User
from .auth.registration import purge_unconfirmed
from .clock import now
from .consent.models import ConsentRecord
from .cookies import MONTH_DAYS
from .courses.models import Registration, RegistrationSeminar
from .db import database
from .leads.models import Contact, Lead, LeadNote
from .links import external_url
from .mail import queue_email
from .mail.models import OutboxMessage
from .newsletter.models import UNCONFIRMED_DAYS, Subscription, address_digest
from .queue import periodic_task

log = logging.getLogger("winlas.retention")


def setting(name: str) -> int:
    """A whole number of days from the settings (at least 1)."""
    return max(1, int(current_app.config[name]))


def last_activity(user: User) -> datetime.datetime:
    """When the account was last used: last activity, else its creation."""
    return getattr(user, "last_active_at", None) or user.created_at


def deadline_of(user: User) -> datetime.date:
    """The day the account is erased if nothing happens before."""
    return last_activity(user).date() + datetime.timedelta(days=setting("WINLAS_INACTIVE_DAYS"))


# the "keep my account" link ----------------------------------------------------------------


def keep_token(user: User) -> str:
    """A signed token naming the account (and a digest of its address: a new owner of the id
    or a changed address makes old links void)."""
    return signing.sign(signing.KEEP_ACCOUNT, [user.id, address_digest(user.email)])


def user_from_keep_token(token: str) -> User | None:
    """The account a keep link names, or None (tampered, expired, erased or changed)."""
    # the link works for the reminder's notice plus a month (signing.KEEP_ACCOUNT)
    found = signing.unsign(signing.KEEP_ACCOUNT, token, signing.id_and_stamp)
    if found is None:
        return None
    user_id, digest = found
    user = User.get_or_none(User.id == user_id)
    if user is None or address_digest(user.email) != digest:
        return None
    return user


def keep_account(user: User) -> None:
    """The person wants to keep the account: it counts as activity now."""
    User.update(last_active_at=now()).where(User.id == user.id).execute()
    AuditEntry.record("keep_account", actor=user, email=user.email)


# the run --------------------------------------------------------------------------------------


def _remind(user: User, deadline: datetime.date, moment: datetime.datetime) -> bool:
    stamp = datetime.datetime.combine(deadline, datetime.time.min)
    with database.atomic():
        if RetentionNotice.sent_for(user, stamp) is not None:
            return False
        RetentionNotice.create(user=user, deadline=stamp, sent_at=moment)
    try:
        queue_email(
            user.email,
            "account/reminder",
            {
                "first_name": user.first_name,
                "deadline": deadline,
                "keep_url": external_url("account.keep", token=keep_token(user)),
                "login_url": external_url("auth.login"),
            },
            kind="administrative",
            related=f"user:{user.id}",
        )
    except Exception:
        log.exception("retention reminder for user %s not queued", user.id)
    return True


def _inactive_accounts(as_of: datetime.datetime) -> tuple[int, int]:
    inactive = setting("WINLAS_INACTIVE_DAYS")
    notice = setting("WINLAS_INACTIVITY_REMINDER_DAYS")
    today = as_of.date()
    # only accounts whose reminder day has come are looked at one by one
    horizon = datetime.datetime.combine(
        today - datetime.timedelta(days=inactive - notice) + datetime.timedelta(days=1),
        datetime.time.min,
    )
    activity: peewee.ColumnBase = User.created_at
    if hasattr(User, "last_active_at"):
        activity = peewee.fn.COALESCE(User.last_active_at, User.created_at)
    reminded = erased = 0
    for user in User.select().where((User.role == "customer") & (activity < horizon)):
        deadline = deadline_of(user)
        if today < deadline - datetime.timedelta(days=notice):
            continue
        stamp = datetime.datetime.combine(deadline, datetime.time.min)
        sent = RetentionNotice.sent_for(user, stamp)
        if sent is None:
            reminded += _remind(user, deadline, as_of)
            continue
        if today >= max(deadline, sent.sent_at.date() + datetime.timedelta(days=notice)):
            address = user.email
            counts = person.erase_person(address, user=user)
            AuditEntry.record("retention_erase", email=address, details=counts)
            person.send_confirmation(address, "sv", "inactivity")
            erased += 1
    return reminded, erased


def _expired_leads(before: datetime.datetime) -> int:
    ids = [lead.id for lead in Lead.select(Lead.id).where(Lead.created_at < before)]
    if not ids:
        return 0
    with database.atomic():
        LeadNote.delete().where(LeadNote.lead.in_(ids)).execute()
        OutboxMessage.delete().where(
            OutboxMessage.related.in_([f"lead:{lead_id}" for lead_id in ids])
        ).execute()
        return Lead.delete().where(Lead.id.in_(ids)).execute()


def _expired_registrations(before: datetime.datetime) -> int:
    ids = [row.id for row in person.past_registrations(before)]
    if not ids:
        return 0
    with database.atomic():
        RegistrationSeminar.delete().where(RegistrationSeminar.registration.in_(ids)).execute()
        return Registration.delete().where(Registration.id.in_(ids)).execute()


STEPS = 8  # the parts of a run, for the progress bar


def run(
    as_of: datetime.datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """One retention run for the day of ``as_of`` (default: now); returns what it did.

    ``progress(parts done, STEPS)`` is called after each part (``analytics.with_progress_bar``)."""
    steps = itertools.count(1)

    def done() -> None:
        if progress is not None:
            progress(next(steps), STEPS)

    as_of = as_of or now()
    config = current_app.config
    counts: dict[str, int] = {}
    counts["reminders_sent"], counts["accounts_erased"] = _inactive_accounts(as_of)
    done()
    raw_days = int(config["ANALYTICS_RAW_RETENTION_DAYS"])
    events, visits = analytics.purge_raw_events(as_of - datetime.timedelta(days=raw_days))
    counts["analytics_events"], counts["analytics_visits"] = events, visits
    done()
    months = int(config["WINLAS_CONSENT_RECORD_MONTHS"])
    counts["consent_records"] = ConsentRecord.purge(
        as_of - datetime.timedelta(days=months * MONTH_DAYS)
    )
    done()
    counts["unconfirmed_subscriptions"] = (
        Subscription.delete()
        .where(
            (Subscription.status == "pending")
            & (Subscription.requested_at < as_of - datetime.timedelta(days=UNCONFIRMED_DAYS))
        )
        .execute()
    )
    done()
    counts["unconfirmed_accounts"] = purge_unconfirmed(UNCONFIRMED_DAYS, as_of)
    done()
    lead_cutoff = as_of - datetime.timedelta(days=setting("WINLAS_LEAD_RETENTION_DAYS"))
    counts["leads"] = _expired_leads(lead_cutoff)
    done()
    counts["course_registrations"] = _expired_registrations(
        as_of - datetime.timedelta(days=setting("WINLAS_REGISTRATION_RETENTION_DAYS"))
    )
    done()
    unused = [contact.id for contact in person.unused_contacts(lead_cutoff)]
    counts["contacts"] = 0
    if unused:
        counts["contacts"] = Contact.delete().where(Contact.id.in_(unused)).execute()
    counts["erasure_confirmations"] = person.scrub_confirmations()
    done()
    AuditEntry.record("retention", details={"as_of": as_of.date().isoformat(), **counts})
    log.info("retention run %s: %s", as_of.date(), counts)
    return counts


# the command and the daily task -------------------------------------------------------------

group = AppGroup("retention", help="What the site deletes by itself (P10).")


@group.command("run")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as on this day (YYYY-MM-DD) instead of today.",
)
@analytics.with_progress_bar("retention", "parts")
def run_command(as_of: datetime.datetime | None, progress) -> str:
    """Send inactivity reminders, erase inactive accounts and purge expired data."""
    if as_of is not None:
        # the time of day of a real run, on the day asked for
        as_of = datetime.datetime.combine(as_of.date(), now().time())
    with current_app.extensions["database"].connection_context():
        counts = run(as_of, progress=progress)
    return " ".join(f"{name}={n}" for name, n in counts.items())


@periodic_task(crontab(minute="40", hour="2"))
def daily_retention() -> None:
    """The daily retention run (P10)."""
    run()


@periodic_task(crontab(minute="*/5"))
def scrub_erasure_confirmations() -> None:
    """Delete erasure confirmations once delivered: the last copy of an erased address."""
    person.scrub_confirmations()
