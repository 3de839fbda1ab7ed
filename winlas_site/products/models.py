"""Products: the parts of the WinLas library system, shown at /produkter."""

from __future__ import annotations

import peewee

from ..db import BaseModel
from ..i18n import Translated


class Product(Translated, BaseModel):
    slug = peewee.CharField(max_length=80, unique=True)
    name = peewee.CharField(max_length=120)
    summary_sv = peewee.TextField()
    summary_en = peewee.TextField(default="")
    body_sv = peewee.TextField()
    body_en = peewee.TextField(default="")
    # one feature per line
    features_sv = peewee.TextField(default="")
    features_en = peewee.TextField(default="")
    audience = peewee.CharField(max_length=10, default="both")  # school | public | both
    position = peewee.IntegerField(default=0)

    @classmethod
    def listed(cls) -> peewee.ModelSelect[Product]:
        """All products in display order."""
        return cls.select().order_by(cls.position, cls.name)

    @classmethod
    def by_slug(cls, slug: str) -> Product | None:
        """The product at /produkter/<slug>, or None."""
        return cls.get_or_none(cls.slug == slug)
