"""Products: the parts of the WinLas library system, shown at /produkter."""

from __future__ import annotations

import peewee

from ..content import SLUG_MAX, Publishable
from ..i18n import Translated

AUDIENCES = ("school", "public", "both")


class Product(Translated, Publishable):
    slug = peewee.CharField(max_length=SLUG_MAX, unique=True)
    name = peewee.CharField(max_length=120)
    summary_sv = peewee.TextField()
    summary_en = peewee.TextField(default="")
    # Markdown (richtext.py)
    body_sv = peewee.TextField()
    body_en = peewee.TextField(default="")
    # one feature per line
    features_sv = peewee.TextField(default="")
    features_en = peewee.TextField(default="")
    audience = peewee.CharField(max_length=10, default="both")  # school | public | both
    position = peewee.IntegerField(default=0)

    @classmethod
    def listed(cls) -> peewee.ModelSelect[Product]:
        """The live products in display order."""
        return cls.live().order_by(cls.position, cls.name)

    @classmethod
    def by_slug(cls, slug: str) -> Product | None:
        """The product with this slug, or None (whatever its state)."""
        return cls.get_or_none(cls.slug == slug)

    @property
    def lacks_english(self) -> bool:
        """True when the English body is empty: the English page shows the Swedish text."""
        return not (self.body_en or "").strip()
