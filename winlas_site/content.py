"""The base of every bilingual content page: a slug, a title, a summary and a body."""

from __future__ import annotations

import peewee

from .db import BaseModel
from .i18n import Translated


class ContentPage(Translated, BaseModel):
    """Abstract: each subclass has its own table with these columns (peewee copies fields)."""

    slug = peewee.CharField(max_length=80, unique=True)
    title_sv = peewee.CharField(max_length=200)
    title_en = peewee.CharField(max_length=200, default="")
    summary_sv = peewee.TextField()
    summary_en = peewee.TextField(default="")
    # paragraphs separated by a blank line
    body_sv = peewee.TextField()
    body_en = peewee.TextField(default="")

    @classmethod
    def by_slug(cls, slug: str):
        """The page with this slug, or None."""
        return cls.get_or_none(cls.slug == slug)
