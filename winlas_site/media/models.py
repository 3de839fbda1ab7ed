"""Uploaded images: one row per stored file, named by its content's hash."""

from __future__ import annotations

import peewee

from ..auth.models import User
from ..clock import now
from ..db import BaseModel
from .processing import FILE_NAME

# the path the site serves a stored image at (routes.file); Markdown bodies link to it
URL_PREFIX = "/media/"
MAX_ALT = 300


class Image(BaseModel):
    # "<32 hex digits of SHA-256>.webp": the same picture uploaded twice is one file, one row
    file_name = peewee.CharField(max_length=40, unique=True)
    original_name = peewee.CharField(max_length=200)
    content_type = peewee.CharField(max_length=40)
    width = peewee.IntegerField()
    height = peewee.IntegerField()
    byte_size = peewee.IntegerField()
    alt_sv = peewee.CharField(max_length=MAX_ALT)
    alt_en = peewee.CharField(max_length=MAX_ALT, default="")
    # the staff member who uploaded it; the image stays when their account goes
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_by_id: int | None
    created_at = peewee.DateTimeField(default=now)

    PERSONAL_DATA = {"uploaded_by": ("staff identity", "who uploaded the image")}

    @classmethod
    def newest_first(cls) -> peewee.ModelSelect[Image]:
        return (
            cls.select(cls, User)
            .join(User, peewee.JOIN.LEFT_OUTER, on=(cls.uploaded_by == User.id))
            .order_by(cls.created_at.desc(), cls.id.desc())
        )

    @classmethod
    def by_file_name(cls, file_name: str) -> Image | None:
        return cls.get_or_none(cls.file_name == file_name)

    @property
    def url(self) -> str:
        return URL_PREFIX + self.file_name

    def markdown(self, language: str = "sv") -> str:
        """The snippet an editor pastes into a page body."""
        alt = self.alt_en if language == "en" and self.alt_en else self.alt_sv
        # brackets would end the alt text early: Markdown reads "\]" as a plain "]"
        alt = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        return f"![{alt}]({self.url})"


def file_name_of(src: str) -> str | None:
    """The stored file name in ``src`` (``/media/<name>``), or None when it names none."""
    if not isinstance(src, str) or not src.startswith(URL_PREFIX):
        return None
    name = src[len(URL_PREFIX) :]
    return name if FILE_NAME.fullmatch(name) else None


def image_size(src: str) -> tuple[int, int] | None:
    """Width and height of the uploaded image at the URL path ``src``; None if it is none.

    One indexed query each time, no cache: a deleted image must stop being an image at once
    (the page then shows no broken picture), and a page has few images.
    """
    name = file_name_of(src)
    if name is None:
        return None
    found = Image.select(Image.width, Image.height).where(Image.file_name == name).tuples().first()
    return (found[0], found[1]) if found else None
