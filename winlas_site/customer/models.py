"""Content of the customer pages (kundsidor): releases, documentation, manuals, videos."""

from __future__ import annotations

import peewee

from ..content import ContentPage

KINDS = ("release", "documentation", "manual", "video")


class CustomerResource(ContentPage):
    kind = peewee.CharField(max_length=15, index=True)
    product_slug = peewee.CharField(max_length=80, null=True)
    version = peewee.CharField(max_length=20, null=True)
    # the date shown on the page (publishing time is ``publish_at``)
    published = peewee.DateField()
    duration_minutes = peewee.IntegerField(null=True)

    @classmethod
    def by_kind(cls) -> dict[str, list[CustomerResource]]:
        """Every live resource grouped by kind, newest first within each kind."""
        grouped: dict[str, list[CustomerResource]] = {kind: [] for kind in KINDS}
        for resource in cls.live().order_by(cls.published.desc(), cls.id.desc()):
            grouped.setdefault(resource.kind, []).append(resource)
        return grouped
