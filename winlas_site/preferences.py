"""A person's choices about the newsletter, open/click measurement and profiling (P19), and
what follows from them, the same on every page that changes them.

Mitt konto (``/konto/installningar``), the preference centre (``/installningar``, logged in or
through a signed link) and the data-protection officer's objection tool all call this module;
none of them repeats what a choice sets off (issue 12: the copies had drifted, and only one page
wrote the audit entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Request

from . import profiling
from .account.models import AuditEntry
from .auth.models import User
from .db import one_by
from .leads.models import normalise_address
from .newsletter.models import Preference, Subscription


@dataclass(frozen=True)
class Choices:
    """The three switches; the names are the preference form's field names."""

    newsletter: bool = False
    object_to_profiling: bool = False
    email_tracking: bool = False

    @classmethod
    def from_form(cls, form: Any) -> Choices:
        """The switches as a validated preference form (Mitt konto's or the centre's) holds them."""
        return cls(
            newsletter=bool(form.newsletter.data),
            object_to_profiling=bool(form.object_to_profiling.data),
            email_tracking=bool(form.email_tracking.data),
        )


def preference_of(email: str) -> Preference:
    """The saved preferences of ``email``, or unsaved defaults (saved when a choice is made)."""
    address = normalise_address(email)
    return one_by(Preference.email, address) or Preference(email=address)


def choices_of(preference: Preference) -> Choices:
    """What the switches show now: the newsletter is on only for a confirmed subscription."""
    subscription = Subscription.by_email(preference.email)
    return Choices(
        newsletter=bool(subscription and subscription.status == "confirmed"),
        object_to_profiling=bool(preference.profiling_objection),
        email_tracking=bool(preference.email_tracking_consent),
    )


def save_choices(
    email: str,
    choices: Choices,
    *,
    source: str,
    language: str,
    actor: User | None = None,
    request: Request | None = None,
) -> Preference:
    """Save a person's own choices; every consequence takes effect at once.

    - the newsletter is confirmed or stopped, the tracking consent given or withdrawn
      (``Preference.apply``);
    - an objection to profiling deletes the interest profile and stops profiling (P19): of the
      account with this address, and of the browser of ``request``; a new objection is written
      to the audit log;
    - a withdrawn objection lets the browser of ``request`` be profiled again.

    ``actor`` is the logged-in user when the address is their own (None for a signed link:
    whoever is logged in there may be someone else). ``source`` is the page, kept with a
    subscription the switch starts.
    """
    preference = Preference.for_email(email)
    objected_before = preference.profiling_objection
    preference.apply(
        newsletter=choices.newsletter,
        object_to_profiling=choices.object_to_profiling,
        email_tracking=choices.email_tracking,
        source=source,
        language=language,
    )
    if actor is not None and normalise_address(actor.email) != preference.email:
        actor = None  # not the person whose choices these are: act on the address alone
    if choices.object_to_profiling:
        profiling.forget_profile(email=preference.email, user=actor, request=request)
        if not objected_before:
            AuditEntry.record(
                "self_objection",
                actor=actor,
                email=preference.email,
                details={"profiling": True},
            )
    elif objected_before:
        profiling.resume_profiling(request)
    return preference


def record_objection(
    email: str,
    *,
    profiling_objection: bool,
    newsletter_objection: bool,
    actor: User,
    source: str,
    language: str,
) -> None:
    """An objection the person made by mail, recorded by the data-protection officer (P19):
    to profiling (the profile is deleted at once), to the newsletter (it stops), or both.
    Every recording is written to the audit log, with what it was about."""
    address = normalise_address(email)
    preference = Preference.for_email(address)
    if profiling_objection:
        if not preference.profiling_objection:
            preference.apply(
                newsletter=preference.newsletter,
                object_to_profiling=True,
                email_tracking=preference.email_tracking_consent,
                source=source,
                language=language,
            )
        profiling.forget_profile(email=address)
    if newsletter_objection:
        subscription = Subscription.by_email(address)
        if subscription is not None:
            subscription.unsubscribe()
        else:
            preference.mirror(newsletter=False)
    AuditEntry.record(
        "objection",
        actor=actor,
        email=address,
        details={"profiling": profiling_objection, "newsletter": newsletter_objection},
    )
