"""Data-subject rights, assembled from the features (P12 access, P14 erasure).

Each feature that holds personal data describes, in its own ``personal_data`` module, one
``Provider``: the tables it answers for, its part of a person's export, and how it erases a
person's rows. ``winlas_site/models.py`` lists the providers beside the models; the inventory
(``inventory.problems``) fails when a table with personal data has no provider, or two;
``account/data.py`` builds the ``Person`` once, asks every provider and combines the answers.

This module sits below the features (docs/ARCHITECTURE.md, "Layers"): it names no feature, so a
``Person`` carries the rows of the account and the contact without their types.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import peewee

Section = dict[str, Any]
Counts = dict[str, int]


@dataclass(frozen=True)
class Person:
    """Who a request is about, found once and handed to every provider."""

    address: str  # normalised (``leads.models.normalise_address``)
    user: Any = None  # the account (``auth.models.User``), or None
    contact: Any = None  # the customer-register row (``leads.models.Contact``), or None
    # the asking browser's consent id and analytics visitor ids: proofs of consent and
    # objections made logged out are kept per browser, not per person
    consent_id: str | None = None
    visitor_ids: tuple[str, ...] = ()
    # the ``related`` keys of the outbox rows about the person's leads, sign-ups, subscription
    # and account, gathered from every provider's ``mail_keys``
    mail_keys: tuple[str, ...] = ()


def _nothing(person: Person) -> None:
    return None


def _no_counts(person: Person) -> Counts:
    return {}


def _no_keys(person: Person) -> list[str]:
    return []


@dataclass(frozen=True)
class Provider:
    """One feature's answer to "what do you hold about this person, and erase it".

    ``sections``: each table the provider answers for, and the export section its rows
    appear in. ``export`` returns those sections (every one, empty when there is nothing).
    ``erase`` deletes the person's rows inside the erasure's transaction and returns counts;
    providers erase in ascending ``order`` (rows that refer to others go first: the account
    last). ``prepare`` runs before that transaction, ``cleanup`` after it commits (files
    outside the database). ``mail_keys`` names the person's rows that emails are filed under.
    """

    feature: str
    sections: Mapping[str, str]
    export: Callable[[Person], Section]
    erase: Callable[[Person], Counts]
    order: int
    prepare: Callable[[Person], None] = _nothing
    cleanup: Callable[[Person], Counts] = _no_counts
    mail_keys: Callable[[Person], list[str]] = _no_keys


def erasure_order(providers: Iterable[Provider]) -> list[Provider]:
    """The providers in the order their erasures run."""
    return sorted(providers, key=lambda provider: provider.order)


def export_sections(providers: Iterable[Provider]) -> dict[str, str]:
    """Where each table's rows appear in the export, over all providers."""
    return {table: section for p in providers for table, section in p.sections.items()}


def problems(providers: Iterable[Provider], personal_tables: Iterable[str]) -> list[str]:
    """Tables with personal data that no provider, or more than one, answers for; tables a
    provider answers for that hold no personal data. An empty list when rights are complete."""
    owners: dict[str, list[str]] = {}
    for provider in providers:
        for table in provider.sections:
            owners.setdefault(table, []).append(provider.feature)
    personal = list(personal_tables)
    found = []
    for table in personal:
        features = owners.get(table, [])
        if not features:
            found.append(
                f"{table} holds personal data but no feature provides its export and erasure"
            )
        elif len(features) > 1:
            found.append(f"{table} is provided by more than one feature: {', '.join(features)}")
    for table, features in owners.items():
        if table not in personal:
            found.append(f"{table} is provided by {', '.join(features)} but holds no personal data")
    return found


def plain(value: Any) -> Any:
    """A value as JSON holds it (dates and times in ISO 8601)."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def row(instance: peewee.Model, names: tuple[str, ...]) -> Section:
    """Some fields of a row, JSON-ready."""
    return {name: plain(getattr(instance, name)) for name in names}
