"""richtext keeps the HTML of the texts it rendered (issue 15): an edited text renders anew, and
a kept text whose images changed size or left the library is rendered again."""

from __future__ import annotations

from winlas_site import richtext
from winlas_site.richtext import render

BODY = "Före bilden.\n\n![Skärmbild](/media/bild-cache-test.png)\n\nEfter bilden."


def test_the_same_text_is_rendered_once(monkeypatch):
    calls = []
    original = richtext._md.render

    def counting(text, env=None):
        calls.append(text)
        return original(text, env)

    monkeypatch.setattr(richtext._md, "render", counting)
    text = "Ett *unikt* stycke för cachetestet."
    first, second = render(text), render(text)
    assert first == second == "<p>Ett <em>unikt</em> stycke för cachetestet.</p>\n"
    assert calls == [text]


def test_an_edited_text_is_rendered_anew():
    assert "<strong>" in render("Ett **fett** ord i cachetestet.")
    assert "<em>" in render("Ett *kursivt* ord i cachetestet.")
    assert "<strong>" not in render("Ett *kursivt* ord i cachetestet.")


def test_a_kept_text_follows_its_images():
    sizes: dict[str, tuple[int, int]] = {"/media/bild-cache-test.png": (640, 480)}

    def image_size(src: str):
        return sizes.get(src)

    assert 'width="640" height="480"' in render(BODY, image_size)
    assert 'width="640" height="480"' in render(BODY, image_size)
    sizes["/media/bild-cache-test.png"] = (320, 200)  # replaced by a smaller image
    assert 'width="320" height="200"' in render(BODY, image_size)
    del sizes["/media/bild-cache-test.png"]  # deleted from the library: its words stay
    html = render(BODY, image_size)
    assert "<img" not in html and "Skärmbild" in html
    # without a library to ask (another caller) the same text has no sizes, never the kept ones
    assert '<img src="/media/bild-cache-test.png" alt="Skärmbild" loading="lazy">' in render(BODY)


def test_the_table_is_bounded(monkeypatch):
    monkeypatch.setattr(richtext, "MAX_KEPT", 3)
    for n in range(10):
        render(f"Text nummer {n} i gränstestet.")
    assert len(richtext._kept) <= 3
