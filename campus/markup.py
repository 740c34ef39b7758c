"""Markdown to sanitized HTML. The one place user or author text becomes markup.

Two layers: markdown-it-py with raw HTML disabled, then an allow-list sanitizer.
bleach announced in June 2026 that it gets no further releases; it is used only in
``sanitize_html`` so it can be swapped (nh3 is the usual successor) in one place.
"""

from __future__ import annotations

from functools import cache

import bleach
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


@cache
def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
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
