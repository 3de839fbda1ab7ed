"""Sub-processors (P9), kept as data so the page is edited without a deploy."""

from __future__ import annotations

import peewee

from ..db import BaseModel
from ..i18n import Translated


class SubProcessor(Translated, BaseModel):
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
        """All sub-processors in display order."""
        return cls.select().order_by(cls.position, cls.name)
