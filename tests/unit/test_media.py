"""The image processing and the names of the media library, without the app."""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage
from PIL import ImageCms

from winlas_site.media.models import Image, file_name_of
from winlas_site.media.processing import FILE_NAME, Refused, clean_name, process

LIMITS = {"max_bytes": 5_000_000, "max_width": 1600}


def encoded(image: PILImage.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "uploaded,kept",
    [
        ("bild.png", "bild.png"),
        ("C:\\Users\\anna\\Desktop\\Höstbild.jpg", "Höstbild.jpg"),
        ("../../etc/passwd", "passwd"),
        ("rad\x00bryt\n.png", "radbryt.png"),
        ("", "bild"),
        (None, "bild"),
        ("a" * 500, "a" * 200),
    ],
)
def test_the_original_name_keeps_no_folder_and_no_control_character(uploaded, kept):
    assert clean_name(uploaded) == kept


def test_a_cmyk_jpeg_with_metadata_becomes_a_clean_rgb_webp():
    cmyk = PILImage.new("CMYK", (30, 20), (0, 255, 255, 0))  # red in print colours
    exif = PILImage.Exif()
    exif[0x010F] = "Skrivaren"
    result = process(encoded(cmyk, "JPEG", exif=exif, comment=b"hemligt"), **LIMITS)
    assert (result.extension, result.width, result.height) == ("webp", 30, 20)
    assert FILE_NAME.fullmatch(result.file_name)
    decoded = PILImage.open(io.BytesIO(result.data))
    assert decoded.mode == "RGB" and not decoded.getexif()
    assert b"Skrivaren" not in result.data and b"hemligt" not in result.data
    red, green, blue = decoded.getpixel((15, 10))
    assert red > 200 and green < 60 and blue < 60


def test_an_embedded_colour_profile_is_applied_and_not_stored():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    picture = PILImage.new("RGB", (10, 10), (10, 200, 30))
    result = process(encoded(picture, "PNG", icc_profile=profile), **LIMITS)
    decoded = PILImage.open(io.BytesIO(result.data))
    assert "icc_profile" not in decoded.info
    assert decoded.getpixel((5, 5)) == (10, 200, 30)  # lossless for a PNG


def test_the_same_picture_gets_the_same_name_and_another_picture_another():
    first = process(encoded(PILImage.new("RGB", (8, 8), (1, 2, 3)), "PNG"), **LIMITS)
    again = process(encoded(PILImage.new("RGB", (8, 8), (1, 2, 3)), "PNG"), **LIMITS)
    other = process(encoded(PILImage.new("RGB", (8, 8), (1, 2, 4)), "PNG"), **LIMITS)
    assert first.file_name == again.file_name != other.file_name


def test_a_wide_picture_is_scaled_to_the_width_keeping_its_proportions():
    result = process(encoded(PILImage.new("RGB", (3000, 1000)), "JPEG"), **LIMITS)
    assert (result.width, result.height) == (1600, 533)


def test_a_file_above_the_limit_is_refused_before_it_is_decoded():
    with pytest.raises(Refused) as refused:
        process(b"\x89PNG" + b"\0" * 100, max_bytes=50, max_width=100)
    assert refused.value.reason == "too large"


@pytest.mark.parametrize(
    "src,name",
    [
        ("/media/0123456789abcdef0123456789abcdef.webp", "0123456789abcdef0123456789abcdef.webp"),
        ("/media/0123456789abcdef0123456789abcdef.png", "0123456789abcdef0123456789abcdef.png"),
        ("/media/0123456789abcdef0123456789abcdef.svg", None),
        ("/media/../winlas.db", None),
        ("/media/0123456789abcdef0123456789abcdef.webp?x=1", None),
        ("https://winlas.se/media/0123456789abcdef0123456789abcdef.webp", None),
        ("/static/img/favicon.svg", None),
        (None, None),
    ],
)
def test_only_the_stored_form_names_an_image(src, name):
    assert file_name_of(src) == name


def test_the_markdown_snippet_escapes_brackets_in_the_alt_text():
    image = Image(file_name="0123456789abcdef0123456789abcdef.webp", alt_sv="Bild [1] \\ x")
    assert image.markdown() == (
        "![Bild \\[1\\] \\\\ x](/media/0123456789abcdef0123456789abcdef.webp)"
    )
    image.alt_en = "Picture"
    assert image.markdown("en").startswith("![Picture](")
