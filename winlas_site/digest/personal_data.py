"""The weekly digest's part of a person's data rights (P12, P14): whether a staff member gets
the digest, in which language, and the last week sent. It goes with the person."""

from __future__ import annotations

from ..rights import Counts, Person, Provider, Section, row
from .models import DigestSubscription

SECTION = "weekly_digest"


def export(person: Person) -> Section:
    found = []
    if person.user is not None:
        found = [
            row(subscription, ("active", "language", "created_at", "updated_at", "last_sent_week"))
            for subscription in DigestSubscription.select().where(
                DigestSubscription.user == person.user
            )
        ]
    return {SECTION: found}


def erase(person: Person) -> Counts:
    if person.user is None:
        return {}
    deleted = DigestSubscription.delete().where(DigestSubscription.user == person.user).execute()
    return {"digest_subscription": deleted} if deleted else {}


PROVIDER = Provider(
    feature="digest",
    sections={"digest_subscription": SECTION},
    export=export,
    erase=erase,
    # before the account (90), which its rows refer to
    order=55,
)
