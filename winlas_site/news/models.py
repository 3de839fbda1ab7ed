"""News, articles and webinars, shown at /nyheter."""

from __future__ import annotations

import peewee

from ..db import BaseModel
from ..i18n import Translated

KINDS = ("news", "article", "webinar")


class Article(Translated, BaseModel):
    slug = peewee.CharField(max_length=80, unique=True)
    kind = peewee.CharField(max_length=10, default="news")
    published = peewee.DateField(index=True)
    title_sv = peewee.CharField(max_length=200)
    title_en = peewee.CharField(max_length=200, default="")
    summary_sv = peewee.TextField()
    summary_en = peewee.TextField(default="")
    body_sv = peewee.TextField()
    body_en = peewee.TextField(default="")

    @classmethod
    def latest(cls, kind: str | None = None) -> peewee.ModelSelect:
        """Newest first, optionally only one kind."""
        query = cls.select().order_by(cls.published.desc(), cls.id.desc())
        return query.where(cls.kind == kind) if kind else query

    @classmethod
    def by_slug(cls, slug: str) -> Article | None:
        """The article at /nyheter/<slug>, or None."""
        return cls.get_or_none(cls.slug == slug)
