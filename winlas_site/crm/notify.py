"""The CRM's emails to lead owners, through the outbox (administrative mail):

- ``assigned``: a lead was given to someone by someone else;
- ``send_due_follow_ups``: the morning list of an owner's follow-ups due today (or overdue),
  each lead at most once per Swedish day (``Lead.claim_reminder`` records it).

Neither ever carries the lead's message (it may hold more personal data than the owner needs
in a mailbox): name, organisation, type and a link to the lead page, where the rest is.
"""

from __future__ import annotations

import datetime
import logging

from .. import clock
from ..auth.models import User
from ..i18n import LANGUAGES
from ..leads.models import Lead
from ..links import external_url
from ..mail import queue_email

log = logging.getLogger("winlas.crm")


def _language(user: User) -> str:
    # the account has no language of its own yet; Swedish is the staff's language
    language = getattr(user, "language", "") or "sv"
    return language if language in LANGUAGES else "sv"


def _item(lead: Lead) -> dict:
    contact = lead.contact
    return {
        "id": lead.id,
        "type": lead.type,
        "name": f"{contact.first_name} {contact.last_name}".strip(),
        "organisation": contact.organisation_name,
        "follow_up_on": lead.follow_up_on,
        "url": external_url("crm.lead", lead_id=lead.id),
    }


def assigned(lead: Lead, by: User | None) -> bool:
    """Tell the new owner of ``lead`` (after the change is committed), unless they gave it to
    themselves. True when an email was queued."""
    owner = User.get_or_none(User.id == lead.owner_id) if lead.owner_id else None
    if owner is None or (by is not None and owner.id == getattr(by, "id", None)):
        return False
    by_name = ""
    if by is not None:
        by_name = getattr(by, "full_name", "") or getattr(by, "email", "")
    try:
        queue_email(
            owner.email,
            "crm/assigned",
            {"lead": _item(lead), "by_name": by_name},
            kind="administrative",
            language=_language(owner),
            related=f"lead:{lead.id}",
        )
    except ValueError:
        log.warning("lead %s assigned; owner %s not told (address refused)", lead.id, owner.id)
        return False
    return True


def send_due_follow_ups(today: datetime.date | None = None) -> int:
    """Mail every owner the list of their follow-ups due ``today`` (default: today in Sweden)
    or before; a lead already listed today is left out. Returns how many emails were queued."""
    today = today or clock.local_today()
    pending = Lead.due(today).where(
        Lead.owner.is_null(False)
        & (Lead.follow_up_reminded_on.is_null() | (Lead.follow_up_reminded_on != today))
    )
    by_owner: dict[int, list[Lead]] = {}
    for lead in pending:
        if lead.owner_id is not None:
            by_owner.setdefault(lead.owner_id, []).append(lead)
    sent = 0
    for owner_id, leads in by_owner.items():
        owner = User.get_or_none(User.id == owner_id)
        if owner is None or not owner.active:
            continue
        # claimed one by one: a second run at the same time takes none of them twice
        claimed = [lead for lead in leads if lead.claim_reminder(today)]
        if not claimed:
            continue
        try:
            queue_email(
                owner.email,
                "crm/follow_ups",
                {"leads": [_item(lead) for lead in claimed], "today": today},
                kind="administrative",
                language=_language(owner),
                related="crm:follow-ups",
            )
        except ValueError:
            log.warning("follow-ups of user %s not mailed (address refused)", owner.id)
            continue
        sent += 1
    return sent
