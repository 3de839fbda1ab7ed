"""The drawn pictures of the product (issue 17): every file the mapping names exists, is
well-formed SVG of the size it claims, small, self-contained (no raster, font, script or
outside address) and described in both languages; every demo product has one."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from winlas_site.demo import content
from winlas_site.products import illustrations

STATIC = Path(__file__).resolve().parents[2] / "static"
SVG = "{http://www.w3.org/2000/svg}"
MAX_BYTES = 6 * 1024  # "a few KB": the largest is under 4 KB today
PICTURES = {
    **{f"product:{slug}": picture for slug, picture in illustrations.BY_SLUG.items()},
    "hero": illustrations.HERO,
}


def test_every_demo_product_has_a_picture():
    assert {item["slug"] for item in content.PRODUCTS} <= set(illustrations.BY_SLUG)


def test_every_product_picture_has_the_cards_shape():
    for picture in illustrations.BY_SLUG.values():
        assert (picture.width, picture.height) == (640, 400)
        assert picture.thumb_size() == (320, 200)
    assert illustrations.HERO.thumb_size() == (320, 220)


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_the_picture_is_small_well_formed_svg_of_its_stated_size(name):
    picture = PICTURES[name]
    path = STATIC / picture.file
    data = path.read_bytes()
    assert len(data) <= MAX_BYTES, f"{path.name} is {len(data)} bytes"
    # our own files, not untrusted input; raises on XML that is not well-formed
    root = ET.fromstring(data)  # noqa: S314
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {picture.width} {picture.height}"
    assert (root.get("width"), root.get("height")) == (str(picture.width), str(picture.height))


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_the_picture_is_self_contained(name):
    text = (STATIC / PICTURES[name].file).read_text(encoding="utf-8")
    elements = ET.fromstring(text).iter()  # noqa: S314 (our own files)
    tags = {element.tag.removeprefix(SVG) for element in elements}
    assert not tags & {"image", "script", "foreignObject", "style", "font", "font-face"}, tags
    # no address outside the file: only "#id" references to its own parts
    assert all(ref.startswith("#") for ref in re.findall(r'href="([^"]*)"', text))
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text and "data:" not in text and "@font-face" not in text


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_the_picture_says_what_it_shows_in_both_languages(name):
    picture = PICTURES[name]
    for alt in (picture.alt_sv, picture.alt_en):
        assert 20 <= len(alt) <= 300, alt
        assert not alt.lower().startswith(("bild av", "image of", "picture of"))
    assert picture.alt_sv != picture.alt_en
