"""axe-core audits of the main pages in Chromium: no serious or critical WCAG violations."""

from pathlib import Path

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.factories import PASSWORD, import_fixture_course, make_enrollment, make_user

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

ANONYMOUS_PAGES = [
    "/",
    "/courses/test-course",
    "/account/login",
    "/account/signup",
    "/account/reset",
    "/account/confirm/not-a-valid-link",
]
LEARNER_PAGES = [
    "/dashboard",
    "/courses/test-course",
    "/courses/test-course/lessons/lesson-one",
    "/account/profile",
    "/account/password",
]


def audit(page) -> list[str]:
    """Run axe on the current page; return the serious and critical violations, readably."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_pages_have_no_serious_accessibility_violations(live_server, audit_page):
    course = import_fixture_course()
    learner = make_user()
    make_enrollment(learner, course)
    problems = {}
    for path in ANONYMOUS_PAGES:
        audit_page.goto(live_server + path)
        problems[path] = audit(audit_page)
    sign_in(audit_page, live_server, learner.email, "**/dashboard")
    for path in LEARNER_PAGES:
        audit_page.goto(live_server + path)
        problems["signed in " + path] = audit(audit_page)
    screenshot(audit_page, "a11y-last-page")
    assert {path: found for path, found in problems.items() if found} == {}


def _open_lesson_by_keyboard_login(live_server, page) -> None:
    """An enrolled learner logs in (Enter submits) and opens the first lesson."""
    course = import_fixture_course()
    learner = make_user()
    make_enrollment(learner, course)
    page.goto(live_server + "/account/login")
    page.get_by_label("Email").fill(learner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard")
    page.goto(live_server + "/courses/test-course/lessons/lesson-one")


def test_player_is_keyboard_operable(live_server, page):
    _open_lesson_by_keyboard_login(live_server, page)
    page.evaluate("() => { document.querySelector('video').muted = true; }")
    page.get_by_role("button", name="Play").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5")
    page.keyboard.press("k")
    assert page.evaluate("() => document.querySelector('video').paused")
    page.keyboard.press("c")
    assert page.evaluate("() => document.querySelector('video').textTracks[0].mode") == "hidden"
    assert page.get_by_role("button", name="Captions off").get_attribute("aria-pressed") == "false"
    page.keyboard.press(">")
    assert page.evaluate("() => document.querySelector('video').playbackRate") == 1.25
    page.get_by_label("Speed").select_option("2")
    assert page.evaluate("() => document.querySelector('video').playbackRate") == 2
    page.keyboard.press("Tab")  # focus leaves the select; shortcuts work again
    page.get_by_role("button", name="0:05 And this is the end of lesson 1.").press("Enter")
    page.wait_for_function("() => document.querySelector('video').currentTime >= 5")
    # After choosing a transcript line, the letter shortcuts still work.
    page.keyboard.press("k")
    assert page.evaluate("() => document.querySelector('video').paused")


def test_space_on_the_focused_video_toggles_once(live_server, page):
    _open_lesson_by_keyboard_login(live_server, page)
    page.evaluate("""() => {
        const video = document.querySelector('video');
        video.muted = true;
        window.toggles = 0;
        video.addEventListener('play', () => window.toggles++);
        video.addEventListener('pause', () => window.toggles++);
    }""")
    page.locator("video").focus()
    page.keyboard.press(" ")
    page.wait_for_timeout(700)  # a second, unwanted toggle would have happened by now
    assert page.evaluate("() => window.toggles") == 1
    assert not page.evaluate("() => document.querySelector('video').paused")
