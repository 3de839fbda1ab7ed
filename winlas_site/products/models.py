"""Products: the parts of the WinLas library system, shown at /produkter."""

from __future__ import annotations

import peewee

from ..clock import now
from ..content import SLUG_MAX, Publishable
from ..db import BaseModel, Prepared, Slot
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
    def listed(cls) -> list[Product]:
        """The live products in display order."""
        return _listed.all(now=now())

    @classmethod
    def cards(cls) -> list[Product]:
        """``listed`` with only what a product card shows (slug, name, summary): the start
        page's list, without the bodies it does not show."""
        return _cards.all(now=now())

    @classmethod
    def by_slug(cls, slug: str) -> Product | None:
        """The product with this slug, or None (whatever its state)."""
        return cls.get_or_none(cls.slug == slug)

    @property
    def lacks_english(self) -> bool:
        """True when the English body is empty: the English page shows the Swedish text."""
        return not (self.body_en or "").strip()


def _listed_query(*fields: peewee.Field | type[Product]) -> peewee.ModelSelect[Product]:
    return (
        Product.select(*fields)
        .where(Product.live_at(Slot("now")))
        .order_by(Product.position, Product.name)
    )


_listed: Prepared[Product] = Prepared(lambda: _listed_query(Product))
_cards: Prepared[Product] = Prepared(
    lambda: _listed_query(
        Product.id, Product.slug, Product.name, Product.summary_sv, Product.summary_en
    )
)


class CustomerQuote(Translated, BaseModel):
    """A library's words about WinLas, for the start page (issue 17).

    Holds no personal data: a quote names an organisation and a role ("skolbibliotekarie"),
    never a person, so it is not in the data inventory. ``is_demo`` marks the invented quotes
    the demo loader adds (fictional "Exempelkommun"-style organisations); the page labels them
    as examples, so a demo quote is never mistaken for a real customer's."""

    organisation = peewee.CharField(max_length=120)
    role_sv = peewee.CharField(max_length=120)
    role_en = peewee.CharField(max_length=120, default="")
    quote_sv = peewee.TextField()
    quote_en = peewee.TextField(default="")
    is_demo = peewee.BooleanField(default=False)
    position = peewee.IntegerField(default=0)

    @classmethod
    def shown(cls) -> list[CustomerQuote]:
        """The quotes the start page shows, in display order (at most ``QUOTES_SHOWN``)."""
        return _quotes.all()


QUOTES_SHOWN = 3
_quotes: Prepared[CustomerQuote] = Prepared(
    lambda: (
        CustomerQuote.select()
        .order_by(CustomerQuote.position, CustomerQuote.id)
        .limit(QUOTES_SHOWN)
    )
)
