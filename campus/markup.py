"""Markdown to sanitized HTML. The one place user or author text becomes markup.

Two layers: markdown-it-py with raw HTML disabled, then an allow-list sanitizer.
Images from other sites become links (_ExternalImagesAsLinks): the CSP allows only this
site's images, so an external <img> would show broken to readers, and a tracking pixel
would be one policy change away. Same-site images (/static/...) stay images.
bleach announced in June 2026 that it gets no further releases; it is used only in
``sanitize_html`` so it can be swapped (nh3 is the usual successor) in one place.
"""

from __future__ import annotations

import html
from functools import cache

import bleach
from bleach.html5lib_shim import Filter
from bleach.linkifier import Linker, build_url_re
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h2",
        "h3",
        "h4",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
        "img",
        "span",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "img": ["src", "alt", "title"],
    "abbr": ["title"],
    "td": ["align"],
    "th": ["align"],
    "span": ["class"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"


@cache
def _markdown() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        .enable("table")
        .enable("strikethrough")
    )


def _set_rel(attrs, new=False):
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = LINK_REL
    return attrs


def is_same_site(url: str) -> bool:
    """A path on this site ("/static/x.png", "x.png"), not another host ("https://...",
    "//host/x", and "/\\host/x", which browsers also read as protocol-relative)."""
    url = url.strip()
    if url.startswith(("//", "/\\", "\\")):
        return False
    head = url.split("/", 1)[0]
    return ":" not in head


class _ExternalImagesAsLinks(Filter):
    """After sanitizing: <img src="https://elsewhere/x.png" alt="A"> -> <a href=...>Image: A</a>."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("EmptyTag", "StartTag") and token["name"] == "img":
                src = token["data"].get((None, "src"), "")
                if src and not is_same_site(src):
                    # bleach keeps attribute values entity-escaped; text is escaped on output.
                    alt = html.unescape(token["data"].get((None, "alt"), "")).strip()
                    yield {"type": "StartTag", "name": "a", "data": {(None, "href"): src}}
                    yield {"type": "Characters", "data": f"Image: {alt or src}"}
                    yield {"type": "EndTag", "name": "a"}
                    continue
            yield token


@cache
def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_ExternalImagesAsLinks],
    )


@cache
def _linker() -> Linker:
    # No skip_tags: bleach 6.4 escapes text inside skipped tags a second time (a code span
    # showing "&lt;" would read "&amp;lt;"), found by the hostile corpus in tests/community.
    # Only http(s) URLs are linkified: its default list also makes ftp:// links, which the
    # cleaner would then strip on a second pass (sanitizing must be idempotent).
    return Linker(
        callbacks=[_set_rel],
        skip_tags=None,
        parse_email=False,
        url_re=build_url_re(protocols=["http", "https"]),
    )


def sanitize_html(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes; links get rel=nofollow."""
    cleaned = _cleaner().clean(html)
    return _linker().linkify(cleaned)


def render_markdown(source: str) -> Markup:
    """Render Markdown (raw HTML disabled) and sanitize the result."""
    return Markup(sanitize_html(_markdown().render(source or "")))  # noqa: S704 - sanitized
