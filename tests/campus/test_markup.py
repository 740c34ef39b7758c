"""campus.markup: images from other sites are shown as links, because the CSP allows only
this site's images (img-src 'self'): the sanitizer and the policy agree (issue 15, finding 8)."""

import pytest

from campus.markup import render_markdown, sanitize_html
from campus.security import CSP


@pytest.mark.parametrize(
    ("source", "href", "text"),
    [
        (
            "![A chart](https://elsewhere.example/chart.png)",
            "https://elsewhere.example/chart.png",
            "Image: A chart",
        ),
        (
            "![](http://tracker.example/p.gif)",
            "http://tracker.example/p.gif",
            "Image: http://tracker.example/p.gif",
        ),
        ("![Pixel](//tracker.example/p.gif)", "//tracker.example/p.gif", "Image: Pixel"),
        ('![x](HTTPS://Tracker.example/p.gif "t")', "HTTPS://Tracker.example/p.gif", "Image: x"),
        (
            "![a <b> & c](https://x.example/a.png?q=1&r=2)",
            "https://x.example/a.png?q=1&amp;r=2",
            "Image: a &lt;b&gt; &amp; c",
        ),
    ],
)
def test_external_and_protocol_relative_images_become_links(source, href, text):
    html = str(render_markdown(source))
    assert "<img" not in html
    assert f'<a href="{href}" rel="nofollow noopener ugc">{text}</a>' in html
    assert sanitize_html(html) == html  # idempotent


@pytest.mark.parametrize("src", ["/static/img/diagram.png", "diagram.png"])
def test_same_site_images_stay_images(src):
    assert f'<img src="{src}" alt="Diagram">' in str(render_markdown(f"![Diagram]({src})"))


def test_the_policy_allows_only_this_sites_images():
    """If this changes (a proxy, say), the sanitizer's rule above must change with it."""
    directive = next(part for part in CSP.split(";") if part.strip().startswith("img-src"))
    assert directive.split()[1:] == ["'self'", "data:"]
