"""Sub-processors (P9), kept as data so the page is edited without a deploy (/redaktion/)."""

from __future__ import annotations

import peewee

from ..content import Publishable
from ..i18n import Translated


class SubProcessor(Translated, Publishable):
    name = peewee.CharField(max_length=200)
    purpose_sv = peewee.TextField()
    purpose_en = peewee.TextField(default="")
    location_sv = peewee.CharField(max_length=200)
    location_en = peewee.CharField(max_length=200, default="")
    safeguard_sv = peewee.TextField()
    safeguard_en = peewee.TextField(default="")
    position = peewee.IntegerField(default=0)

    @classmethod
    def listed(cls) -> peewee.ModelSelect[SubProcessor]:
        """The live sub-processors in display order (a new one is public once published)."""
        return cls.live().order_by(cls.position, cls.name)
