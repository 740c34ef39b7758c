"""A newcomer signs up, enrolls, opens a lesson; the video plays and its captions load."""

import pytest

from tests.browser.conftest import confirmation_path, screenshot
from tests.factories import import_fixture_course

pytestmark = pytest.mark.browser


def test_sign_up_enroll_and_watch(live_server, page):
    import_fixture_course()
    page.goto(f"{live_server}/courses/test-course")
    page.get_by_role("link", name="Sign up to enroll").click()
    page.get_by_label("Full name").fill("Jordan Rivera")
    page.get_by_label("Email").fill("jordan@example.com")
    page.get_by_label("Password (at least").fill("a quiet classroom morning")
    page.get_by_label("Repeat the password").fill("a quiet classroom morning")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    page.goto(live_server + confirmation_path("jordan@example.com"))  # the emailed link
    page.wait_for_url(f"{live_server}/courses/test-course")
    page.get_by_role("button", name="Enroll in this course").click()
    page.get_by_text("You are enrolled in Test Course").wait_for()

    page.get_by_role("link", name="Lesson one").first.click()
    page.wait_for_url("**/lessons/lesson-one")
    page.evaluate("document.querySelector('video').muted = true")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => document.querySelector('video').currentTime > 1", timeout=15000)
    cues = page.evaluate("document.querySelector('video').textTracks[0].cues.length")
    assert cues == 3
    assert page.evaluate("document.querySelector('video').textTracks[0].mode") == "showing"
    screenshot(page, "lesson-page")
