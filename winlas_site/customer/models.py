"""Content of the customer pages (kundsidor): releases, documentation, manuals, videos."""

from __future__ import annotations

import peewee

from ..db import BaseModel
from ..i18n import Translated

KINDS = ("release", "documentation", "manual", "video")


class CustomerResource(Translated, BaseModel):
    slug = peewee.CharField(max_length=80, unique=True)
    kind = peewee.CharField(max_length=15, index=True)
    title_sv = peewee.CharField(max_length=200)
    title_en = peewee.CharField(max_length=200, default="")
    summary_sv = peewee.TextField()
    summary_en = peewee.TextField(default="")
    body_sv = peewee.TextField()
    body_en = peewee.TextField(default="")
    product_slug = peewee.CharField(max_length=80, null=True)
    version = peewee.CharField(max_length=20, null=True)
    published = peewee.DateField()
    duration_minutes = peewee.IntegerField(null=True)

    @classmethod
    def by_kind(cls) -> dict[str, list[CustomerResource]]:
        """Every resource grouped by kind, newest first within each kind."""
        grouped: dict[str, list[CustomerResource]] = {kind: [] for kind in KINDS}
        for resource in cls.select().order_by(cls.published.desc(), cls.id.desc()):
            grouped.setdefault(resource.kind, []).append(resource)
        return grouped

    @classmethod
    def by_slug(cls, slug: str) -> CustomerResource | None:
        """The resource at /kundsidor/<slug>, or None."""
        return cls.get_or_none(cls.slug == slug)
