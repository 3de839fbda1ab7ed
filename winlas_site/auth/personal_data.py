"""The account's part of a person's data rights (P12, P14): the user row and its sessions."""

from __future__ import annotations

from ..rights import Counts, Person, Provider, Section, plain, row
from .models import User, UserSession

PASSWORD_NOTE = "kept only as an argon2id hash, which nobody can read back"  # noqa: S105

ACCOUNT_FIELDS = ("email", "first_name", "last_name", "work_phone", "role", "active", "created_at")
# fields of newer schema versions: exported when the model has them
LATER_FIELDS = ("email_confirmed_at", "last_active_at", "requested_organisation")


def export(person: Person) -> Section:
    user = person.user
    if user is None:
        return {"account": None, "sessions": []}
    account = row(user, ACCOUNT_FIELDS)
    for name in LATER_FIELDS:
        if hasattr(user, name):
            account[name] = plain(getattr(user, name))
    organisation = user.organisation
    account["organisation"] = (
        {"name": organisation.name, "kind": organisation.kind} if organisation else None
    )
    account["password_note"] = PASSWORD_NOTE
    return {
        "account": account,
        "sessions": [
            row(session, ("created_at", "last_seen_at", "remember"))
            for session in UserSession.select().where(UserSession.user == user)
        ],
    }


def erase(person: Person) -> Counts:
    """The account goes last: every other feature has deleted or unlinked its rows by then."""
    user = person.user
    if user is None:
        return {}
    UserSession.end_all(user)
    return {"user": User.delete().where(User.id == user.id).execute()}


def mail_keys(person: Person) -> list[str]:
    return [] if person.user is None else [f"user:{person.user.id}"]


PROVIDER = Provider(
    feature="auth",
    sections={"user": "account", "user_session": "sessions"},
    export=export,
    erase=erase,
    order=90,
    mail_keys=mail_keys,
)
