"""The hostile corpus rendered through real forum pages in Chromium, network blocked, with
hooks on alert/confirm/prompt, dialogs and CSP reports. The page CSP is stripped by the
test so only the sanitizer stands between the corpus and the browser; the same check on
control posts whose HTML this test writes itself, unsanitized, must catch executions (the
check is live). No switch in shipped code turns the sanitizer off."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from bench.common import stop_gunicorn
from campus.accounts.models import Role
from campus.extensions import db
from community import services
from community.models import Post
from tests.browser.conftest import ARTIFACTS, server_env, start_gunicorn
from tests.community.test_sanitizer_corpus import CORPUS
from tests.factories import PASSWORD, import_fixture_course, learner_in, make_thread, make_user

pytestmark = pytest.mark.browser

HOOKS = """
(() => {
  const report = (what) => { try { window.__xssReport(what); } catch (e) {} };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = (...args) => { report(name + ":" + String(args[0]).slice(0, 60)); };
  }
  document.addEventListener("securitypolicyviolation", (e) => {
    if (e.effectiveDirective.startsWith("script-src")) report("csp:" + e.effectiveDirective);
  });
})();
"""


@pytest.fixture
def forum_server(app):
    process, url = start_gunicorn(server_env({"FORUM_POSTS_PER_PAGE": "1000"}), workers=1)
    yield url
    stop_gunicorn(process)


def _unsanitized(body: str) -> str:
    """The control: Markdown with raw HTML passed through and no sanitizer at all."""
    return MarkdownIt("commonmark", {"html": True}).render(body)


def _thread_from(course, author, title, strings, render=services.render, per_post=20):
    thread = make_thread(course, author, title=title, body="The corpus follows.")
    for start in range(0, len(strings), per_post):
        chunk = strings[start : start + per_post]
        number = thread.post_count + 1
        body = services.clean_text("\n\n".join(chunk))  # as the service does
        db.session.add(
            Post(
                thread_id=thread.id,
                author_id=author.id,
                number=number,
                body_source=body,
                body_html=render(body),
                search_text="",
            )
        )
        thread.post_count = number
    db.session.commit()
    return thread


def _browse(browser, base, user, path, strip_csp: bool):
    """Open a page signed in as user; returns what the hooks recorded."""
    records: list[str] = []
    context = browser.new_context()
    context.expose_function("__xssReport", lambda what: records.append(what))
    context.add_init_script(HOOKS)

    def guard(route):
        if not route.request.url.startswith(base):
            return route.abort()  # network blocked: loopback only
        if strip_csp and route.request.resource_type == "document":
            response = route.fetch()
            headers = {
                k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"
            }
            return route.fulfill(response=response, headers=headers)
        return route.continue_()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("dialog", lambda dialog: (records.append("dialog:" + dialog.type), dialog.dismiss()))
    page.goto(f"{base}/account/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(base + path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)
    return records, page, context


def test_corpus_runs_nothing_and_the_check_is_live(app, browser, forum_server):
    course = import_fixture_course()
    author, reader = make_user(Role.INSTRUCTOR), learner_in(course)
    safe = _thread_from(course, author, "Sanitized corpus", CORPUS)
    vectors = [s for s in CORPUS if "alert" in s][:300]
    unsafe = _thread_from(course, author, "Unsanitized control", vectors, render=_unsanitized)
    base = f"/courses/{course.slug}/forum/t/"

    records, page, context = _browse(browser, forum_server, reader, base + str(safe.id), True)
    assert page.locator("article.post").count() == safe.post_count
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / "forum-corpus-sanitized.png")
    )  # viewport: the page is long
    context.close()
    assert records == [], records[:10]

    records, page, context = _browse(browser, forum_server, reader, base + str(safe.id), False)
    context.close()
    assert records == [], records[:10]  # with the site CSP on as well

    records, page, context = _browse(browser, forum_server, reader, base + str(unsafe.id), True)
    context.close()
    assert any(r.startswith(("alert", "dialog", "confirm", "prompt")) for r in records), records
