"""Markdown bodies rendered to sanitised HTML: the ``markdown`` template filter.

Two steps, each enough on its own for the usual attacks, together a defence in depth:

1. markdown-it-py, CommonMark with raw HTML off: ``<script>`` typed into a body is shown as
   text, and ``javascript:``/``vbscript:``/``data:`` links are not links. Headings are kept
   between h2 and h4 (the page's title is its h1), an image is kept only when it comes from the
   site's own media library (``/media/...``) and gets its width and height from there (no
   layout shift) and ``loading="lazy"``; a link to another site gets ``rel="noopener"``.
2. nh3 (ammonia) with an allow-list of tags and attributes and the http, https and mailto
   schemes: whatever step 1 let through that is not on the list is removed.

A body written before Markdown came (plain paragraphs separated by a blank line) renders as
the same paragraphs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import nh3
from flask import Flask, current_app
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

ImageSize = Callable[[str], tuple[int, int] | None]

TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "a",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    # a hard line break and a thematic break carry no attributes
    "br",
    "hr",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
}
# attributes allowed with one value only
FIXED_VALUES = {"a": {"rel": {"noopener"}}, "img": {"loading": {"lazy"}}}
URL_SCHEMES = {"http", "https", "mailto"}
MEDIA_PREFIX = "/media/"

_cleaner = nh3.Cleaner(
    tags=TAGS,
    # tags whose content goes with them (raw HTML is text already: this is the second line)
    clean_content_tags={"script", "style"},
    attributes=ATTRIBUTES,
    tag_attribute_values=FIXED_VALUES,
    url_schemes=URL_SCHEMES,
    link_rel=None,
    strip_comments=True,
    attribute_filter=lambda tag, attribute, value: _allowed_value(tag, attribute, value),
)


def _allowed_value(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not is_media(value):
        return None
    return value


def is_media(src: str) -> bool:
    """Whether ``src`` is an image of the site's own media library (``/media/<file>``)."""
    if not src.startswith(MEDIA_PREFIX) or any(ch in src for ch in "\\\t\r\n\x00"):
        return False
    parts = urlsplit(src)
    return not parts.scheme and not parts.netloc and ".." not in parts.path.split("/")


def is_external(href: str) -> bool:
    """A link to another site (``https://...`` or ``//host/...``)."""
    parts = urlsplit(href)
    return parts.scheme in ("http", "https") or (not parts.scheme and bool(parts.netloc))


def _clamp_headings(state: Any) -> None:
    """h1 → h2 and h5/h6 → h4: the page's own title is its only h1."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(max(int(token.tag[1]), 2), 4)
            token.tag = f"h{level}"


def _image(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """An image of the media library, sized and lazy; any other image becomes its alt text."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    if not is_media(src):
        # another site's image (a tracker), data:, ...: the words stay, the image does not
        return str(escape(alt))
    image_size: ImageSize | None = env.get("image_size")
    size = image_size(urlsplit(src).path) if image_size else None
    if image_size is not None and size is None:
        # not (or no longer) in the library: a deleted image leaves its words, not a hole
        return str(escape(alt))
    attrs = f' width="{int(size[0])}" height="{int(size[1])}"' if size else ""
    return f'<img src="{escape(src)}" alt="{escape(alt)}"{attrs} loading="lazy">'


def _link_open(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if is_external(str(token.attrGet("href") or "")):
        token.attrSet("rel", "noopener")
    return renderer.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.core.ruler.push("clamp_headings", _clamp_headings)
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    return md


_md = _parser()


# Rendering is a pure function of the text and of the sizes of the images it shows, and a
# product or news page renders the same body on every request: each process keeps the HTML of
# the texts it rendered, with the image sizes the rendering looked up. A kept text is used
# again only when every one of those images still has the size it had (the same queries a
# fresh render would make), so a deleted or replaced image shows at once; an edited text is
# another key. Bounded: emptied when it holds too many entries or characters.
MAX_KEPT = 1024
MAX_KEPT_CHARS = 8_000_000
MAX_TEXT_CHARS = 200_000
_kept: dict[tuple[str, bool], tuple[str, tuple[tuple[str, tuple[int, int] | None], ...]]] = {}
_kept_chars = 0


def render(text: str | None, image_size: ImageSize | None = None) -> str:
    """``text`` (Markdown) as sanitised HTML."""
    global _kept_chars
    if not text:
        return ""
    key = (text, image_size is not None)
    kept = _kept.get(key)
    if kept is not None and (
        image_size is None or all(image_size(src) == size for src, size in kept[1])
    ):
        return kept[0]
    looked_up: list[tuple[str, tuple[int, int] | None]] = []
    html = _cleaner.clean(_md.render(text, {"image_size": _recording(image_size, looked_up)}))
    if len(text) <= MAX_TEXT_CHARS:
        if len(_kept) >= MAX_KEPT or _kept_chars > MAX_KEPT_CHARS:
            _kept.clear()
            _kept_chars = 0
        _kept[key] = (html, tuple(looked_up))
        _kept_chars += len(text) + len(html)
    return html


def _recording(
    image_size: ImageSize | None, looked_up: list[tuple[str, tuple[int, int] | None]]
) -> ImageSize | None:
    """``image_size``, noting each image it was asked about and its answer in ``looked_up``."""
    if image_size is None:
        return None
    measure = image_size

    def recorded(src: str) -> tuple[int, int] | None:
        size = measure(src)
        looked_up.append((src, size))
        return size

    return recorded


def markdown(text: str | None) -> Markup:
    """The template filter: ``{{ article.t('body')|markdown }}``."""
    image_size = current_app.extensions.get("richtext_image_size")
    return Markup(render(text, image_size))  # noqa: S704 - sanitised by render


def init_app(app: Flask, image_size: ImageSize) -> None:
    """Register the ``markdown`` filter; ``image_size`` gives an uploaded image's size."""
    app.extensions["richtext_image_size"] = image_size
    app.jinja_env.filters["markdown"] = markdown
