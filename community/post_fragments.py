"""A thread page's posts, each rendered once and reused while nothing it shows has changed.

Rendering the per-post macro was 70% of a 200-post thread page. A post's HTML is a pure
function of what the macro reads: the post's own fields, its author's name and role, the
flags community.access computed for this viewer on this request, the page's few values
and the viewer's time zone. All of them, read fresh from the database on every request,
form the cache key, so the key changes the moment anything shown changes: an edit, a hide,
a report, an accepted answer, a renamed or promoted author, a revoked moderator (the flags
differ), another page count. Nothing is ever invalidated by hand, no access decision is
cached (the flags are computed per request before the lookup), and a page view writes
nothing anywhere but this process's memory.

The CSRF token is the one per-session value inside a post's forms: fragments are rendered
with a placeholder that is swapped for the viewer's token on the way out, so one viewer's
fragment never carries another's token.
"""

from __future__ import annotations

import threading

from flask import current_app
from markupsafe import Markup

MAX_FRAGMENTS = 4096  # about 2 KB each: a few MB a worker at most
CSRF_PLACEHOLDER = "\x00csrf-token\x00"  # never produced by escaping user text

_fragments: dict[tuple, str] = {}
_lock = threading.Lock()


def _key(row, page, thread, zone_name: str, forum_base: str, thread_url: str) -> tuple:
    post, author = row.post, row.author
    return (
        post.id,
        post.number,
        post.body_html,
        post.is_hidden,
        post.open_report_count,
        post.created_at,
        post.edited_at,
        post.id == thread.accepted_post_id,
        author.id,
        author.full_name,
        author.role,
        row.show_body,
        row.can_edit,
        row.can_report,
        row.can_suspend_author,
        row.is_new,
        page.can_reply,
        page.can_moderate,
        page.can_accept,
        page.pages,
        zone_name,
        forum_base,
        thread_url,
    )


def render_posts(rows, context: dict, zone_name: str, csrf_field: Markup) -> Markup:
    """The rows' HTML (render_post in community/_post.html), each rendered or reused, as one
    string: one join and one token swap for the page rather than 200 of each."""
    macro = None
    parts = []
    for row in rows:
        key = _key(
            row, context["page"], context["thread"], zone_name,
            context["forum_base"], context["thread_url"],
        )  # fmt: skip
        html = _fragments.get(key)
        if html is None:
            if macro is None:
                placeholder = Markup(CSRF_PLACEHOLDER)  # noqa: S704 (a constant, no user text)
                macro = _macro({**context, "csrf_field": placeholder})
            html = str(macro(row))
            _remember(key, html)
        parts.append(html)
    # Each part is the macro's own escaped output; csrf_field is Flask-WTF's hidden input.
    return Markup("".join(parts).replace(CSRF_PLACEHOLDER, str(csrf_field)))  # noqa: S704


def _macro(context: dict):
    template = current_app.jinja_env.get_template("community/_post.html")
    return template.make_module(context).render_post


def _remember(key: tuple, html: str) -> None:
    with _lock:
        if len(_fragments) >= MAX_FRAGMENTS:
            _fragments.clear()  # bounded memory; a full cache simply starts over
        _fragments[key] = html


def clear() -> None:
    """Forget every fragment (tests; never needed for correctness)."""
    with _lock:
        _fragments.clear()
