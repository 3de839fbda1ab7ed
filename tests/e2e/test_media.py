"""In a real browser: a marketer uploads an image through the form, sees it in the library with
its Markdown snippet, and the browser loads the stored image."""

from __future__ import annotations

import io
import re
import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image as PILImage

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

MARKETER = "marknad@winlas.se"  # the demo marketer (winlas_site/demo/load.py)


def unique_picture() -> bytes:
    """A picture no other test uploads (its colour is random), wider than it is tall."""
    colour = tuple(secrets.randbelow(256) for _ in range(3))
    buffer = io.BytesIO()
    PILImage.new("RGB", (240, 120), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_marketer_uploads_an_image_and_sees_it_in_the_library(page):
    alt = f"Lånedisk i Exempelstad {secrets.token_hex(4)}"
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if message.type == "error" else None
    )
    log_in(page, MARKETER, next_url="/redaktion/bilder", lands_on="/redaktion/bilder")
    page.get_by_label("Bildfil").set_input_files(
        files=[{"name": "lanedisk.png", "mimeType": "image/png", "buffer": unique_picture()}]
    )
    page.get_by_label("Alternativtext på svenska").fill(alt)
    page.get_by_role("button", name="Ladda upp", exact=True).click()
    page.wait_for_url(re.compile(r"/redaktion/bilder#bild-\d+$"))
    assert "Bilden är uppladdad." in page.locator(".flashes").inner_text()

    item = page.locator(".media-item").filter(has_text=alt)
    assert item.count() == 1
    snippet = item.get_by_label("Markdown att kopiera").input_value()
    match = re.fullmatch(r"!\[(.+)\]\((/media/[0-9a-f]{32}\.webp)\)", snippet)
    assert match and match.group(1) == alt

    image = item.get_by_role("img", name=alt)
    assert image.get_attribute("src") == match.group(2)
    assert (image.get_attribute("width"), image.get_attribute("height")) == ("240", "120")
    assert image.get_attribute("loading") == "lazy"
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [240, 120]
    # no CSP violation or failed load on the way
    assert refused == []

    # the snippet's address is the image itself, for everyone
    response = page.request.get(match.group(2))
    assert response.status == 200 and response.headers["content-type"] == "image/webp"

    results = Axe().run(page)
    serious = [
        (violation["id"], [node["target"] for node in violation["nodes"]][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_a_file_that_is_not_an_image_comes_back_with_the_message(page):
    log_in(page, MARKETER, next_url="/redaktion/bilder", lands_on="/redaktion/bilder")
    page.get_by_label("Bildfil").set_input_files(
        files=[{"name": "inte-en-bild.png", "mimeType": "image/png", "buffer": b"hej" * 100}]
    )
    page.get_by_label("Alternativtext på svenska").fill("Ingen bild")
    page.get_by_role("button", name="Ladda upp", exact=True).click()
    page.wait_for_load_state()
    error = page.locator("#image-error")
    assert "Filen är ingen bild i formatet JPEG, PNG, WebP eller GIF." in error.inner_text()
    assert page.get_by_label("Bildfil").get_attribute("aria-invalid") == "true"
    assert page.locator(".media-item").filter(has_text="Ingen bild").count() == 0
