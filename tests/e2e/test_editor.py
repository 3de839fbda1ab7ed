"""Publishing in a real browser: a marketer uploads a picture, writes, previews and publishes a
news article with it through the form with JavaScript turned off, and an anonymous visitor reads
it, picture included."""

import re
import secrets

import pytest

from tests.e2e.conftest import log_in, open_page
from tests.e2e.test_media import unique_picture

pytestmark = pytest.mark.e2e


def test_a_marketer_publishes_an_article_that_an_anonymous_visitor_reads(browser, live_server):
    marker = secrets.token_hex(3)
    title = f"Redaktionens testnyhet {marker}"
    alt = f"Utlåningsdisken {marker}"
    # no JavaScript at all: every step must work with plain forms
    editor = open_page(browser, live_server, java_script_enabled=False)
    log_in(editor, "marknad@winlas.se", next_url="/redaktion/bilder", lands_on="/redaktion/bilder")
    # the picture first, through the image library; its Markdown goes into the article
    editor.get_by_label("Bildfil").set_input_files(
        files=[{"name": "disk.png", "mimeType": "image/png", "buffer": unique_picture()}]
    )
    editor.get_by_label("Alternativtext på svenska").fill(alt)
    editor.get_by_role("button", name="Ladda upp", exact=True).click()
    editor.wait_for_url(re.compile(r"/redaktion/bilder#bild-\d+$"))
    item = editor.locator(".media-item").filter(has_text=alt)
    snippet = item.get_by_label("Markdown att kopiera").input_value()
    body = (
        f"Ett stycke med **fet** text ({marker}).\n\n"
        "<script>alert('e2e')</script>\n\n"
        f"{snippet}\n\n"
        "- första punkten\n- andra punkten"
    )
    editor.goto("/redaktion/")
    editor.get_by_role("link", name="Ny sida (Nyheter)").click()
    editor.wait_for_url(re.compile(r"/redaktion/nyheter/ny$"))
    editor.get_by_label("Rubrik (svenska)", exact=True).fill(title)
    editor.get_by_label("Ingress (svenska)", exact=True).fill("En ingress skriven i webbläsaren.")
    editor.get_by_label("Brödtext (svenska)", exact=True).fill(body)

    editor.get_by_role("button", name="Förhandsgranska").click()
    preview = editor.locator(".preview")
    assert "fet" in preview.locator("strong").first.inner_text()
    assert "<script>alert('e2e')</script>" in preview.inner_text()
    # what was typed is still in the form after the preview
    assert editor.get_by_label("Rubrik (svenska)", exact=True).input_value() == title

    editor.get_by_role("button", name="Publicera").click()
    editor.wait_for_url(re.compile(r"/redaktion/nyheter/\d+$"))
    assert "Sidan är publicerad." in editor.content()
    editor.context.close()

    visitor = open_page(browser, live_server)
    dialogs = []
    visitor.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    visitor.goto("/nyheter")
    visitor.get_by_role("link", name=title).click()
    visitor.wait_for_url(re.compile(rf"/nyheter/redaktionens-testnyhet-{marker}$"))
    main = visitor.locator("main")
    assert visitor.locator("h1").inner_text() == title
    assert "<script>alert('e2e')</script>" in main.inner_text()
    assert main.locator("li").all_inner_texts()[-2:] == ["första punkten", "andra punkten"]
    # the picture: from the library, sized, and loaded by the browser
    picture = main.get_by_role("img", name=alt)
    assert (picture.get_attribute("width"), picture.get_attribute("height")) == ("240", "120")
    picture.scroll_into_view_if_needed()
    visitor.wait_for_function(
        "img => img.complete && img.naturalWidth === 240", arg=picture.element_handle()
    )
    assert dialogs == []
    visitor.context.close()


EDITING_PAGES = (
    "/redaktion/",
    "/redaktion/nyheter/ny",
    "/redaktion/bilder",
    "/personal/utbildningar",
)


def test_a_customer_and_an_anonymous_visitor_are_refused_the_editing_pages(browser, live_server):
    customer = open_page(browser, live_server)
    log_in(customer, "bibliotekarie@exempelkommun.se")
    for path in EDITING_PAGES:
        response = customer.goto(path)
        assert response is not None and response.status == 403, path
    customer.context.close()
    anonymous = open_page(browser, live_server)
    for path in EDITING_PAGES:
        anonymous.goto(path)
        # sent to the login page, nothing of the editor shown
        assert re.search(r"/logga-in\?next=", anonymous.url), (path, anonymous.url)
        assert "Redaktion" not in anonymous.locator("main").inner_text()
    anonymous.context.close()
