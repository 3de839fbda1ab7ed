"""Customer accounts by self-service (P3): registration, confirmation, requests staff decide,
password reset, and the administrative emails about them.

Registration never tells whether an address has an account: the page answers the same, and
the owner of a confirmed address gets a note instead of a second account. Every link in these
emails is absolute on ``WINLAS_SITE_URL`` and signed (``auth.tokens``).
"""

from __future__ import annotations

import datetime
import logging

import peewee
from flask import current_app

from .. import addresses
from ..clock import now
from ..db import database
from ..links import external_url
from ..mail import queue_email
from ..mail.models import OutboxMessage
from . import lockout, tokens
from .models import Organisation, User, password_hasher

log = logging.getLogger("winlas.auth")

# emails one account can trigger from the public forms, so nobody floods a mailbox with them:
# (how many, per how long) per kind of mail
MAIL_CAPS = {
    "confirm": (5, datetime.timedelta(hours=1)),
    "already_registered": (1, datetime.timedelta(hours=24)),
    "reset": (3, datetime.timedelta(hours=1)),
}


def _capped(kind: str, related: str) -> bool:
    """True when ``kind`` mails about ``related`` have reached their cap."""
    if kind not in MAIL_CAPS:
        return False
    count, period = MAIL_CAPS[kind]
    since = now() - period
    recent = OutboxMessage.for_related(related).where(OutboxMessage.created_at >= since)
    return recent.count() >= count


def _send(address: str, name: str, context: dict, language: str, related: str) -> bool:
    """Queue one administrative email (P21: no opt-out stops it); False when not queued."""
    if _capped(name, related):
        log.info("mail %s not sent again yet: %s", name, related)
        return False
    context = {"site_url": current_app.config["WINLAS_SITE_URL"].rstrip("/"), **context}
    try:
        queue_email(
            address,
            f"auth/{name}",
            context,
            kind="administrative",
            language=language,
            related=related,
        )
    except ValueError:
        # the form validated the address; the mail layer is stricter (e.g. an odd domain)
        log.warning("mail %s not queued (address refused): %s", name, related)
        return False
    return True


def register(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    work_phone: str,
    organisation_name: str,
    customer: Organisation | None,
    language: str,
) -> None:
    """Register a customer contact, or file a request staff decide.

    The account joins ``customer`` at once only when the address is in one of that
    organisation's mail domains (``Organisation.owns_address``): a customer number is printed
    on invoices, which are public records, so the number alone proves nothing. Without a
    number, with a number that matches nothing, or from another domain, the registration is a
    request staff approve, and the person sees exactly the same answer in every case.

    A new address gets an account waiting for confirmation; a never-confirmed one is replaced
    by this registration (nobody has shown the mailbox is theirs, and the new password voids
    the earlier links); a confirmed one is left alone and its owner gets a note.
    """
    address = addresses.canonical(email)
    if customer is not None and not customer.owns_address(address):
        log.info("registration with a customer number from another domain: a request")
        customer = None
    # hash before looking the address up: the answer takes as long whether or not it exists
    password_hash = password_hasher().hash(password)
    fields = {
        "first_name": first_name,
        "last_name": last_name,
        "work_phone": work_phone or "",
        "organisation": customer,
        # a request keeps the organisation as typed until staff link a customer organisation
        "requested_organisation": "" if customer else organisation_name,
        "password_hash": password_hash,
        "created_at": now(),
    }
    try:
        with database.atomic():
            user = User.get_or_none(User.email == address)
            if user is None:
                user = User.create(email=address, role="customer", **fields)
                outcome = "new"
            elif not user.is_confirmed and user.role == "customer":
                for name, value in fields.items():
                    setattr(user, name, value)
                user.save()
                outcome = "replaced"
            else:
                outcome = "exists"
    except peewee.IntegrityError:
        # a parallel registration of the same address got there first; that one mails
        log.info("registration raced with another for the same address")
        return
    log.info("registration %s user=%s request=%s", outcome, user.id, user.is_pending_approval)
    if outcome == "exists":
        send_already_registered(user, language)
    else:
        send_confirmation(user, language)


def send_confirmation(user: User, language: str) -> bool:
    """The confirmation link (needed before the first login)."""
    return _send(
        user.email,
        "confirm",
        {
            "first_name": user.first_name,
            "confirm_url": tokens.url(tokens.CONFIRM, user),
            "hours": tokens.confirm_max_age() // 3600,
            "is_request": user.is_pending_approval,
        },
        language,
        f"account-confirm:{user.id}",
    )


def send_already_registered(user: User, language: str) -> bool:
    """Someone registered an address that has an account: tell its owner, at most daily."""
    return _send(
        user.email,
        "already_registered",
        {
            "first_name": user.first_name,
            "login_url": external_url("auth.login"),
            "reset_url": external_url("auth.forgot_password"),
        },
        language,
        f"account-exists:{user.id}",
    )


def confirm(user: User) -> bool:
    """Confirm the address of ``user``; a request then goes to staff. False when it already was."""
    if not user.confirm_email():
        return False
    log.info("email confirmed user=%s", user.id)
    if user.is_pending_approval:
        notify_staff_of_request(user)
    return True


def notify_staff_of_request(user: User) -> bool:
    """Tell staff a confirmed request is waiting (the mail names no person: it links the list)."""
    address = (
        current_app.config["WINLAS_ACCOUNT_REQUEST_EMAIL"]
        or current_app.config["WINLAS_STAFF_EMAIL"]
    )
    return _send(
        address,
        "new_request",
        {"requests_url": external_url("auth.requests")},
        "sv",
        f"account-request:{user.id}",
    )


def approve(user: User, organisation: Organisation, staff: User) -> None:
    """Grant a request: the account joins ``organisation`` and the person is told."""
    user.approve(organisation)
    log.info("request approved user=%s by=%s organisation=%s", user.id, staff.id, organisation.id)
    _send(
        user.email,
        "approved",
        {"first_name": user.first_name, "login_url": external_url("auth.login")},
        "sv",
        f"account-request:{user.id}",
    )


def refuse(user: User, staff: User) -> None:
    """Refuse a request: tell the person, then delete the account (nothing kept, P3/P10)."""
    address, first_name, user_id = user.email, user.first_name, user.id
    with database.atomic():
        user.delete_instance()
    log.info("request refused user=%s by=%s", user_id, staff.id)
    _send(
        address,
        "refused",
        {"first_name": first_name, "contact_url": external_url("public.contact")},
        "sv",
        f"account-request:{user_id}",
    )


def request_password_reset(email: str, language: str) -> None:
    """Mail a reset link when an active account has this address; silently nothing else.

    Runs on the task queue (``auth.tasks.send_reset_link``), after the answer has gone out:
    looking the address up and queueing the mail take time only a known address costs, which
    must not show in how long the form takes to answer.
    """
    user = User.by_email(email)
    if user is None or not user.active:
        log.info("password reset asked for no active account")
        return
    log.info("password reset asked user=%s", user.id)
    _send(
        user.email,
        "reset",
        {
            "first_name": user.first_name,
            "reset_url": tokens.url(tokens.RESET, user),
            "minutes": tokens.reset_max_age() // 60,
        },
        language,
        f"password-reset:{user.id}",
    )


def reset_password(user: User, password: str, language: str) -> None:
    """Set the new password: every session ends, the link dies, the lockout lifts.

    Following the link proved the mailbox, so it also confirms an unconfirmed address.
    """
    user.set_password(password)
    confirm(user)
    lockout.clear(user.email)
    log.info("password reset user=%s", user.id)
    _send(
        user.email,
        "password_changed",
        {
            "first_name": user.first_name,
            "reset_url": external_url("auth.forgot_password"),
        },
        language,
        f"password-changed:{user.id}",
    )


def purge_unconfirmed(days: int = 30, moment: datetime.datetime | None = None) -> int:
    """Delete self-service registrations never confirmed within ``days`` days; their count.

    Nobody has shown such an address is theirs, so nothing about it is kept (P10). Meant for
    the daily retention run.
    """
    cutoff = (moment or now()) - datetime.timedelta(days=days)
    stale = User.unconfirmed_before(cutoff).where(User.role == "customer")
    ids = [user.id for user in stale]
    if not ids:
        return 0
    with database.atomic():
        deleted = User.delete().where(User.id.in_(ids)).execute()
    log.info("unconfirmed registrations deleted count=%s", deleted)
    return deleted
