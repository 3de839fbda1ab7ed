"""News, articles and webinars, shown at /nyheter."""

from __future__ import annotations

import peewee

from ..content import ContentPage

KINDS = ("news", "article", "webinar")


class Article(ContentPage):
    kind = peewee.CharField(max_length=10, default="news")
    # the date shown on the page (publishing time is ``publish_at``)
    published = peewee.DateField(index=True)

    @classmethod
    def latest(cls, kind: str | None = None) -> peewee.ModelSelect[Article]:
        """The live articles, newest first, optionally only one kind."""
        query = cls.live().order_by(cls.published.desc(), cls.id.desc())
        return query.where(cls.kind == kind) if kind else query
