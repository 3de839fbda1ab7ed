"""The media library's part of a person's data rights (P12, P14): the images a staff member
uploaded. The pictures are product and event photos, not personal data; only the link to the
uploader is, and it goes while the images stay (as the newsletter issues a person wrote)."""

from __future__ import annotations

from ..rights import Counts, Person, Provider, Section, row
from .models import Image

SECTION = "images_uploaded"


def export(person: Person) -> Section:
    uploaded = []
    if person.user is not None:
        uploaded = [
            row(image, ("file_name", "original_name", "alt_sv", "alt_en", "created_at"))
            for image in Image.select()
            .where(Image.uploaded_by == person.user)
            .order_by(Image.created_at, Image.id)
        ]
    return {SECTION: uploaded}


def erase(person: Person) -> Counts:
    """The images stay on the pages that show them, without their uploader (nothing is
    erased, so nothing is counted, as for the newsletter issues a person wrote)."""
    if person.user is not None:
        Image.update(uploaded_by=None).where(Image.uploaded_by == person.user).execute()
    return {}


PROVIDER = Provider(
    feature="media",
    sections={"image": SECTION},
    export=export,
    erase=erase,
    order=35,
)
