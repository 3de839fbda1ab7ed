"""Turning an uploaded file into the image the site stores: decoded, checked, cleaned, re-encoded.

Nothing an editor sends is stored as sent. The file is decoded by Pillow, and only what Pillow
recognises as JPEG, PNG, WebP or GIF is accepted (the name and the browser's content type say
nothing: a text file renamed ``.png`` is refused, and an SVG, which can carry script, is never
decoded at all). The decoded pixels are turned upright by their EXIF orientation, scaled down to
the widest the site shows, and encoded again as WebP without any metadata, so the camera's EXIF
block (GPS position, serial numbers) and XMP/comments never reach the public file.

This module knows no Flask and no database: ``process`` takes bytes and limits, and returns the
bytes to store or raises ``Refused`` with a message for the form.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError, features

# the formats Pillow may even try to decode: never SVG (script), never a format we do not serve
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# The most pixels an upload may decode to. Pillow's own guard (Image.MAX_IMAGE_PIXELS, 89
# megapixels, an error only at twice that) lets a tiny file decode to gigabytes of memory in a
# web worker; 40 megapixels is more than any camera picture an editor uploads needs.
MAX_PIXELS = 40_000_000
# WebP quality for photographs; drawings and screenshots (PNG, GIF) are encoded losslessly
WEBP_QUALITY = 82
# what the stored name looks like: 32 hex digits of the content's SHA-256, then the extension
FILE_NAME = re.compile(r"[0-9a-f]{32}\.(?:webp|png)")
CONTENT_TYPES = {"webp": "image/webp", "png": "image/png"}
MAX_ORIGINAL_NAME = 200

SRGB = ImageCms.createProfile("sRGB")
DAMAGED = _l("Bilden är skadad eller ofullständig och kan inte läsas.")


class Refused(Exception):
    """The upload is not an image the site stores; ``message`` says why, for the form."""

    def __init__(self, message, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason  # a short English word for the log


@dataclass(frozen=True)
class Processed:
    """The cleaned image, ready to store."""

    data: bytes
    width: int
    height: int
    extension: str
    source_format: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]

    @property
    def file_name(self) -> str:
        """The content hash: the same picture always gets the same name (and is stored once),
        and a name never changes meaning, so browsers may keep the file for a year."""
        return f"{hashlib.sha256(self.data).hexdigest()[:32]}.{self.extension}"


def file_size(size: int) -> str:
    """A byte count for people: "340 kB", "4,8 MB" (decimals in the page's language)."""
    if size < 1_000_000:
        return f"{format_decimal(max(1, round(size / 1000)))} kB"
    return f"{format_decimal(size / 1_000_000, format='#,##0.#')} MB"


def clean_name(filename: str | None) -> str:
    """The uploaded file's own name for the list: no folders, no control characters."""
    name = re.split(r"[\\/]", unicodedata.normalize("NFC", filename or ""))[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:MAX_ORIGINAL_NAME] or "bild"


def _decode(data: bytes) -> tuple[PILImage.Image, str]:
    """The first frame of an accepted format, loaded; Refused for anything else."""
    try:
        # a DecompressionBombWarning (above Pillow's limit) is an error here, like the
        # DecompressionBombError Pillow raises at twice the limit
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            source_format = image.format or ""
            # the header gives the size before any pixel is decoded
            if image.width * image.height > MAX_PIXELS:
                raise Refused(_too_many_pixels(), "too many pixels")
            image.load()  # the first frame of a GIF or an animated WebP
    except Refused:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise Refused(_too_many_pixels(), "decompression bomb") from None
    except UnidentifiedImageError:
        raise Refused(
            _l("Filen är ingen bild i formatet JPEG, PNG, WebP eller GIF."), "not an image"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
        # a truncated or damaged file, a PNG with an oversized text chunk...
        raise Refused(DAMAGED, "damaged") from None
    return image, source_format


def _too_many_pixels():
    return _l(
        "Bilden har för många bildpunkter (högst %(megapixels)d megapixlar).",
        megapixels=MAX_PIXELS // 1_000_000,
    )


def _has_transparency(image: PILImage.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _to_srgb(image: PILImage.Image, mode: str) -> PILImage.Image:
    """The pixels in ``mode`` (RGB or RGBA) and in sRGB, the colour space of the web: the
    embedded profile is not stored, so a picture exported in Adobe RGB or CMYK is converted by
    its profile first and keeps its colours."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if image.mode == "RGBA":  # littlecms converts the colour, the alpha stays as it is
                alpha = image.getchannel("A")
                converted = ImageCms.profileToProfile(image.convert("RGB"), source, SRGB)
                if converted is not None:
                    converted.putalpha(alpha)
            else:
                converted = ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB")
            if converted is not None:
                return converted.convert(mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken or unusable profile: the pixels as they are
    return image.convert(mode)


def _clean_pixels(image: PILImage.Image) -> PILImage.Image:
    """Upright, in RGB(A) sRGB, and a new image that carries none of the file's metadata."""
    try:
        image = ImageOps.exif_transpose(image) or image
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        pass  # a damaged EXIF block: leave the picture as it is stored
    image = _to_srgb(image, "RGBA" if _has_transparency(image) else "RGB")
    # only the pixels: no EXIF, XMP, ICC, comments or text chunks come along
    return PILImage.frombytes(image.mode, image.size, image.tobytes())


def _scaled(image: PILImage.Image, max_width: int) -> PILImage.Image:
    if image.width <= max_width:
        return image
    height = max(1, round(image.height * max_width / image.width))
    return image.resize((max_width, height), PILImage.Resampling.LANCZOS)


def _encode(image: PILImage.Image, source_format: str) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    if features.check("webp"):
        if source_format in ("PNG", "GIF"):
            # drawings, logos and screenshots: lossless keeps sharp edges and text
            image.save(buffer, "WEBP", lossless=True, quality=80, method=4)
        else:
            image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
        return buffer.getvalue(), "webp"
    # a Pillow built without WebP: PNG keeps transparency and everything else too
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue(), "png"


def process(data: bytes, *, max_bytes: int, max_width: int) -> Processed:
    """The upload ``data`` as the image to store; ``Refused`` when it is not one we accept."""
    if not data:
        raise Refused(_l("Filen är tom."), "empty")
    if len(data) > max_bytes:
        raise Refused(
            _l(
                "Filen är för stor: högst %(size)s.",
                size=file_size(max_bytes),
            ),
            "too large",
        )
    image, source_format = _decode(data)
    try:
        clean = _scaled(_clean_pixels(image), max_width)
        encoded, extension = _encode(clean, source_format)
    except (OSError, ValueError, MemoryError):
        raise Refused(DAMAGED, "damaged") from None
    finally:
        image.close()
    return Processed(encoded, clean.width, clean.height, extension, source_format)
