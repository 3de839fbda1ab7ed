"""Interest-profile tables (filled by analytics.profiles), and the visit's profiling flag.

Scores are stored "at the epoch": a contribution ``weight`` made at time ``t`` is stored as
``weight * 2 ** ((t - epoch) / half_life)``. The score at any moment ``now`` is then the stored
value times ``2 ** (-(now - epoch) / half_life)``, the same factor for every row: adding an
event is one addition (incremental == full recompute), and ranking or a threshold on the
stored value needs no exponentiation in SQL.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import peewee

from .db import BaseModel

EPOCH = datetime.datetime(2026, 1, 1)


class InterestProfile(BaseModel):
    """One visitor's interest profile (P17); linked to a user when the visitor logged in."""

    visitor_id = peewee.CharField(max_length=32, unique=True)
    user_id = peewee.IntegerField(null=True, index=True)
    first_event_at = peewee.DateTimeField()
    last_event_at = peewee.DateTimeField(index=True)

    PERSONAL_DATA = {
        "visitor_id": ("pseudonymous identifier", "interest profiles (P17), marketing consent"),
        "user_id": ("account link", "interest profiles linked to the customer relationship"),
        "first_event_at": ("usage", "interest profiles"),
        "last_event_at": ("usage", "interest profiles"),
    }


class InterestScore(BaseModel):
    """A profile's interest in one topic: a decayed score and what it is made of."""

    profile = peewee.ForeignKeyField(InterestProfile, backref="scores", on_delete="CASCADE")
    topic = peewee.CharField(max_length=120, index=True)
    score = peewee.DoubleField(default=0.0)  # at the epoch of ProfileState, see above
    pageviews = peewee.IntegerField(default=0)
    clicks = peewee.IntegerField(default=0)
    conversions = peewee.IntegerField(default=0)
    first_event_at = peewee.DateTimeField()
    last_event_at = peewee.DateTimeField(index=True)

    if TYPE_CHECKING:
        profile_id: int  # peewee's accessor of the foreign key's value

    PERSONAL_DATA = {
        "topic": ("interests", "interest profiles (P17)"),
        "score": ("interests", "interest profiles (P17)"),
        "pageviews": ("interests", "interest profiles: the reasons shown to the person"),
        "clicks": ("interests", "interest profiles: the reasons shown to the person"),
        "conversions": ("interests", "interest profiles: the reasons shown to the person"),
        "last_event_at": ("interests", "interest profiles: the reasons shown to the person"),
    }

    class Meta:
        indexes = ((("profile", "topic"), True),)


class ProfileOptOut(BaseModel):
    """A browser (visitor id) whose owner objected to profiling: never profiled again (P19).

    A logged-in user's objection is read from the site's preferences at ingest; this covers
    an objection made without logging in, from the same browser.
    """

    visitor_id = peewee.CharField(max_length=32, unique=True)
    created_at = peewee.DateTimeField()

    PERSONAL_DATA = {
        "visitor_id": ("pseudonymous identifier", "respecting an objection to profiling (P19)"),
    }


class ProfileState(BaseModel):
    """One row: how far ``profiles.update`` has read, and the scale the scores are stored in."""

    last_event_id = peewee.BigIntegerField(default=0)  # folded in through this id
    # the highest id seen at ``seen_at``: folded once it has settled (profiles.update)
    seen_event_id = peewee.BigIntegerField(default=0)
    seen_at = peewee.DateTimeField(null=True)
    half_life_days = peewee.DoubleField()
    epoch = peewee.DateTimeField()
    updated_at = peewee.DateTimeField(null=True)


PROFILE_MODELS: list[type[BaseModel]] = [
    InterestProfile,
    InterestScore,
    ProfileOptOut,
    ProfileState,
]
