"""Consent's part of a person's data rights (P12, P14): the proofs of the asking browser."""

from __future__ import annotations

from ..rights import Counts, Person, Provider, Section, row
from .models import ConsentRecord

FIELDS = (
    "consent_id",
    "created_at",
    "action",
    "statistics",
    "marketing",
    "gpc",
    "revision",
    "language",
    "path",
    "ua_family",
)


def export(person: Person) -> Section:
    """Proofs are kept per browser, not per person: only the asking browser's own are found."""
    if not person.consent_id:
        return {"consent_records": []}
    return {
        "consent_records": [
            row(record, FIELDS) for record in ConsentRecord.history(person.consent_id)
        ]
    }


def erase(person: Person) -> Counts:
    """Nothing: a proof of consent names a browser's random consent id, never a person, and is
    deleted after WINLAS_CONSENT_RECORD_MONTHS."""
    return {}


PROVIDER = Provider(
    feature="consent",
    sections={"consent_record": "consent_records"},
    export=export,
    erase=erase,
    order=70,
)
