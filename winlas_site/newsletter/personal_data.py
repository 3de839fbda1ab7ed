"""The newsletter's part of a person's data rights (P12, P14): subscription, preferences, mail
events, and the issues the person wrote as staff."""

from __future__ import annotations

from ..rights import Counts, Person, Provider, Section, row
from .models import NewsletterIssue, Subscription, forget, personal_data


def export(person: Person) -> Section:
    written = []
    if person.user is not None:
        written = [
            row(issue, ("subject", "created_at", "sent_at"))
            for issue in NewsletterIssue.select().where(NewsletterIssue.created_by == person.user)
        ]
    return {"newsletter": personal_data(person.address), "newsletter_issues_written": written}


def erase(person: Person) -> Counts:
    """The address's subscription, preferences and mail events; the issues the person wrote
    stay, without their author."""
    counts = {"newsletter": forget(person.address)}
    if person.user is not None:
        NewsletterIssue.update(created_by=None).where(
            NewsletterIssue.created_by == person.user
        ).execute()
    return counts


def mail_keys(person: Person) -> list[str]:
    if person.contact is None:
        return []
    subscription = Subscription.get_or_none(Subscription.email == person.contact.email)
    return [] if subscription is None else [f"subscription:{subscription.id}"]


PROVIDER = Provider(
    feature="newsletter",
    sections={
        "subscription": "newsletter",
        "preference": "newsletter",
        "mail_event": "newsletter",
        "newsletter_issue": "newsletter_issues_written",
    },
    export=export,
    erase=erase,
    order=30,
    mail_keys=mail_keys,
)
