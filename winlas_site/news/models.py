"""News, articles and webinars, shown at /nyheter."""

from __future__ import annotations

import peewee

from ..clock import now
from ..content import ContentPage
from ..db import Prepared, Slot

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

    @classmethod
    def headlines(cls, count: int) -> list[Article]:
        """The ``count`` newest live articles with only what a list of headlines shows (slug,
        titles, date): the start page's news."""
        return _headlines.all(now=now(), count=count)


_headlines: Prepared[Article] = Prepared(
    lambda: (
        Article.select(
            Article.id, Article.slug, Article.title_sv, Article.title_en, Article.published
        )
        .where(Article.live_at(Slot("now")))
        .order_by(Article.published.desc(), Article.id.desc())
        .limit(Slot("count"))
    )
)
