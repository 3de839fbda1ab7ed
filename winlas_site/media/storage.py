"""The image files in ``<instance>/media/`` and their rows, kept together.

A file is written before its row exists and removed after its row is gone, so a row never
names a missing file for long; a file without a row is only ever a leftover of a failed request
and is simply overwritten by the next upload of the same picture.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import peewee
from flask import current_app

from ..db import database
from .models import Image
from .processing import Processed

log = logging.getLogger("winlas.media")


def folder() -> Path:
    """Where the stored images live: beside the database file, never under static/."""
    return Path(current_app.instance_path) / "media"


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def add(
    processed: Processed,
    *,
    original_name: str,
    alt_sv: str,
    alt_en: str,
    uploaded_by: int | None,
) -> tuple[Image, bool]:
    """Store the image; the same picture stored before is that row. Returns (image, created)."""
    name = processed.file_name
    existing = Image.by_file_name(name)
    if existing is not None:
        return existing, False
    _write(folder() / name, processed.data)
    try:
        with database.atomic():
            image = Image.create(
                file_name=name,
                original_name=original_name,
                content_type=processed.content_type,
                width=processed.width,
                height=processed.height,
                byte_size=len(processed.data),
                alt_sv=alt_sv,
                alt_en=alt_en,
                uploaded_by=uploaded_by,
            )
    except peewee.IntegrityError:
        # the same picture, uploaded by someone else at the same moment: theirs is the row
        found = Image.by_file_name(name)
        if found is None:
            raise
        return found, False
    return image, True


def remove(image: Image) -> bool:
    """Delete the row, then the file. False when the row was gone already (a double click)."""
    with database.atomic():
        deleted = Image.delete().where(Image.id == image.id).execute()
    # an upload of the same picture may have stored it again in between: its row keeps it
    if not Image.select().where(Image.file_name == image.file_name).exists():
        (folder() / image.file_name).unlink(missing_ok=True)
    return bool(deleted)
