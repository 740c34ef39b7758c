"""A learner asks about a moment in a lesson, previews Markdown (rendered by the server),
posts, follows the link back to the moment, and sees the thread listed on the lesson."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, import_fixture_course, learner_in

pytestmark = pytest.mark.browser


def _login(page, base, user):
    page.goto(f"{base}/account/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_ask_about_this_moment(live_server, page):
    course = import_fixture_course()
    learner = learner_in(course, name="Dana Learner")
    _login(page, live_server, learner)
    page.goto(f"{live_server}/courses/test-course/lessons/lesson-two")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; }")
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.evaluate("() => { document.querySelector('video').currentTime = 3.4; }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 3")
    page.get_by_role("link", name="Ask about this moment").click()
    page.wait_for_url("**/forum/new?**t=3**")
    assert page.get_by_text("Lesson two at 0:03").is_visible()

    page.get_by_label("Title").fill("What is the chair height here?")
    page.get_by_label("Your post").fill(
        "Is **this** the right height? <img src=x onerror=alert(1)>"
    )
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".preview")
    preview.locator("strong").wait_for()
    assert preview.locator("img").count() == 0  # the server's sanitizer rendered the preview
    screenshot(page, "forum-new-thread-preview")
    page.get_by_role("button", name="Post thread").click()
    page.wait_for_url("**/forum/t/*")
    screenshot(page, "forum-thread")

    page.get_by_role("link", name="Lesson two at 0:03").click()
    page.wait_for_url("**/lessons/lesson-two?t=3")
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 3) < 0.5")
    listing = page.locator(".lesson-threads")
    assert "What is the chair height here?" in listing.inner_text()
    listing.scroll_into_view_if_needed()
    screenshot(page, "forum-lesson-moments")

    page.goto(f"{live_server}/courses/test-course/forum/")
    screenshot(page, "forum-index")
