"""Markdown bodies to sanitised HTML (winlas_site/richtext.py): what an editor may write, what
an attacker cannot, and that the bodies written before Markdown render as they did."""

from __future__ import annotations

import importlib
import re
from html import unescape
from html.parser import HTMLParser

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from winlas_site import richtext
from winlas_site.demo import content
from winlas_site.richtext import render


def sizes(src: str) -> tuple[int, int] | None:
    return (640, 480) if src == "/media/katalog.webp" else None


def test_a_script_is_shown_as_text():
    html = render("Hej <script>alert(1)</script> då")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_raw_html_is_shown_as_text():
    html = render('<div class="x"><b>fet</b></div>\n\n<iframe src="https://evil"></iframe>')
    assert "<div" not in html and "<b>" not in html and "<iframe" not in html
    assert "&lt;b&gt;fet&lt;/b&gt;" in html and "&lt;iframe" in html


def test_an_onerror_attribute_never_reaches_the_page():
    for text in ("<img src=x onerror=alert(1)>", '![x" onerror="alert(1)](/media/a.webp)'):
        parser = _Tags()
        parser.feed(render(text))
        names = [name for _tag, attrs in parser.tags for name, _value in attrs]
        assert not [name for name in names if name.startswith("on")], names


def test_javascript_and_other_schemes_are_no_links():
    for href in (
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
    ):
        html = render(f"[klicka]({href})")
        assert "<a" not in html or 'href="' not in html, (href, html)
        assert "href" not in html


def test_http_https_mailto_and_relative_links_are_kept_and_external_ones_get_noopener():
    html = render(
        "[a](https://libris.kb.se) [b](/produkter/winlas-bibliotek) [c](mailto:support@winlas.se)"
        ' [d](http://example.se "Titel")'
    )
    assert '<a href="https://libris.kb.se" rel="noopener">a</a>' in html
    assert '<a href="/produkter/winlas-bibliotek">b</a>' in html
    assert '<a href="mailto:support@winlas.se">c</a>' in html
    assert '<a href="http://example.se" title="Titel" rel="noopener">d</a>' in html


def test_only_images_of_the_media_library_are_kept_sized_and_lazy():
    html = render(
        "![Katalogen](/media/katalog.webp)\n\n"
        "![Annan](/media/okand.png)\n\n"
        "![Spårare](https://tracker.example/pixel.gif)\n\n"
        "![Inbäddad](data:image/png;base64,iVBORw0KGgo=)\n\n"
        "![Uppåt](/media/../instance/winlas.db)\n\n"
        "![Protokollrelativ](//evil.example/media/x.png)",
        image_size=sizes,
    )
    assert (
        '<img src="/media/katalog.webp" alt="Katalogen" width="640" height="480" loading="lazy">'
        in html
    )
    # not in the library (or deleted since): its words stay, not a broken picture
    assert 'src="/media/okand.png"' not in html and "Annan" in html
    assert html.count("<img") == 1
    assert "tracker.example" not in html and "data:" not in html and ".." not in html
    # the words of a refused image stay
    assert "Spårare" in html and "Inbäddad" in html


def test_headings_stay_below_the_page_title_and_tables_lists_code_quotes_work():
    html = render(
        "# Ett\n\n## Två\n\n#### Fyra\n\n###### Sex\n\n"
        "| Version | Datum |\n|---|:-:|\n| 8.5 | 2026 |\n\n"
        "- punkt\n\n1. första\n\n> citat\n\n`kod` och\n\n```\nblock <b>\n```\n\n"
        "**fet** *kursiv*"
    )
    assert "<h1" not in html and "<h5" not in html and "<h6" not in html
    assert "<h2>Ett</h2>" in html and "<h2>Två</h2>" in html and "<h4>Sex</h4>" in html
    assert "<table>" in html and "<th>Version</th>" in html and "style=" not in html
    assert "<ul>\n<li>punkt</li>" in html and "<ol>\n<li>första</li>" in html
    assert "<blockquote>" in html and "<code>kod</code>" in html
    assert "<pre><code>block &lt;b&gt;\n</code></pre>" in html
    assert "<strong>fet</strong> <em>kursiv</em>" in html


def test_the_sanitiser_alone_removes_what_the_allow_list_does_not_name():
    """The second line of defence, were Markdown ever to let HTML through."""
    dirty = (
        '<p onclick="x()">a<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)" rel="nofollow">b</a>'
        '<img src="https://evil.example/x.png" onerror="y()">'
        '<img src="/media/ok.webp" loading="eager" style="position:fixed">'
        '<iframe src="/"></iframe><h1>c</h1>'
    )
    clean = richtext._cleaner.clean(dirty)
    assert "script" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "javascript" not in clean and "nofollow" not in clean and "evil" not in clean
    assert "iframe" not in clean and "<h1>" not in clean and "style" not in clean
    assert '<img src="/media/ok.webp">' in clean


def test_the_filter_returns_markup_and_uses_the_media_librarys_sizes():
    app = Flask(__name__)
    richtext.init_app(app, image_size=sizes)
    with app.app_context():
        result = app.jinja_env.filters["markdown"]("![K](/media/katalog.webp) <b>")
        page = app.jinja_env.from_string("{{ text|markdown }}").render(text="**a** <i>")
    assert isinstance(result, Markup)
    assert 'width="640" height="480"' in result and "&lt;b&gt;" in result
    assert page == "<p><strong>a</strong> &lt;i&gt;</p>\n"
    assert richtext.render("") == "" and richtext.render(None) == ""


# -- the bodies written before Markdown ---------------------------------------------------------


def _squeeze(markup: str) -> str:
    """Markup without the white space between tags, entities decoded (``'`` and ``&#39;`` show
    the same)."""
    return unescape(re.sub(r">\s+<", "><", markup.strip()))


def _old_paragraphs(text: str) -> str:
    """What templates/_macros/forms.html ``paragraphs`` made of ``t_paragraphs('body')``."""
    return "".join(f"<p>{escape(part.strip())}</p>" for part in text.split("\n\n") if part.strip())


def _old_customer_body(text: str) -> str:
    """What templates/customer/detail.html made of a body (a "– " paragraph was a list)."""
    out = []
    for part in (p.strip() for p in text.split("\n\n") if p.strip()):
        lines = part.splitlines()
        if len(lines) > 1 and lines[0].startswith("– "):
            items = (line[2:] if line.startswith("– ") else line for line in lines)
            out.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
        else:
            out.append(f"<p>{escape(part)}</p>")
    return "".join(out)


# migration 0012 rewrote the stored customer pages' "– " lists as Markdown, as the demo now has them
MIGRATION = importlib.import_module("winlas_site.migrations.0012_publishing")


def _with_dash_lists(text: str) -> str:
    """A demo customer body as it was written before Markdown: its lists as "– " lines."""
    paragraphs = text.split("\n\n")
    for number, paragraph in enumerate(paragraphs):
        lines = paragraph.splitlines()
        if len(lines) > 1 and all(line.startswith("- ") for line in lines):
            paragraphs[number] = "\n".join("– " + line[2:] for line in lines)
    return "\n\n".join(paragraphs)


def test_every_existing_body_renders_as_it_did_before_markdown():
    checked = 0
    for rows in (content.PRODUCTS, content.ARTICLES, content.COURSES):
        for row in rows:
            for field in ("body_sv", "body_en"):
                before = _old_paragraphs(row[field]).replace("\n", " ")
                after = render(row[field]).replace("\n", " ")
                assert _squeeze(after) == _squeeze(before), (row.get("slug"), field)
                checked += 1
    lists = 0
    for row in content.CUSTOMER_RESOURCES:
        for field in ("body_sv", "body_en"):
            written_before = _with_dash_lists(row[field])
            # the migration turns a stored body of before into the demo's Markdown
            assert MIGRATION.dash_lists_to_markdown(written_before) == row[field], row["slug"]
            before = _old_customer_body(written_before)
            after = render(row[field])
            assert _squeeze(after.replace("\n", " ")) == _squeeze(before.replace("\n", " ")), (
                row["slug"],
                field,
            )
            lists += "<ul>" in before
            checked += 1
    assert checked > 40 and lists >= 4


# -- whatever is typed --------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _scheme(url: str) -> str:
    # what a browser makes of it: control characters and white space are dropped
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url).lower()
    return cleaned.split(":", 1)[0] if ":" in cleaned.split("/", 1)[0] else ""


PIECES = st.sampled_from(
    [
        "<script>",
        "</script>",
        "<img src=x onerror=alert(1)>",
        "javascript:",
        "JaVaScRiPt:",
        "java\tscript:",
        "&#106;avascript:",
        "data:",
        "vbscript:",
        "[",
        "](",
        ")",
        "![",
        '"',
        "'",
        "<",
        ">",
        " onload=",
        "/media/",
        "//",
        "\n\n",
        "\n",
        "`",
        "<a href=",
        "<svg/onload=alert(1)>",
        "\\",
        "&",
        "#",
        "|",
        "*",
        "> ",
        "- ",
    ]
)
MARKDOWNISH = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(MARKDOWNISH, st.text()))
def test_no_input_gives_a_script_an_event_handler_or_a_javascript_url(text):
    html = render(text, image_size=lambda src: (1, 1))
    assert "<script" not in html.lower()
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in richtext.TAGS, tag
        for name, value in attrs:
            assert not name.lower().startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert _scheme(value or "") in ("", "http", "https", "mailto"), value
                assert "javascript:" not in (value or "").lower()
            if tag == "img" and name == "src":
                assert richtext.is_media(value or ""), value
