"""What a learner met in Chromium (issue 15): the transcript is one tab stop and follows the
video, the video shows focus, and the forum's controls are readable and big enough on a phone."""

import pytest

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, import_fixture_course, make_enrollment, make_user

pytestmark = pytest.mark.browser

LESSON = "/courses/test-course/lessons/lesson-one"


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/account/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/**")


@pytest.fixture
def lesson_page(live_server, page):
    course = import_fixture_course()
    user = make_user()
    make_enrollment(user, course)
    sign_in(page, live_server, user)
    page.goto(live_server + LESSON)
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.evaluate("() => { document.querySelector('video').muted = true; }")
    return page


FOCUSED = """() => {
    const el = document.activeElement;
    return {id: el.id, inTranscript: !!el.closest('#transcript'), tag: el.tagName};
}"""


def test_the_transcript_is_one_tab_stop_moved_through_with_arrow_keys(lesson_page):
    page = lesson_page
    page.locator("video").focus()
    stops, to_ask = [], None
    for count in range(1, 120):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "BODY":
            break
        stops.append(focused)
        if focused["id"] == "ask-moment" and to_ask is None:
            to_ask = count
    assert sum(stop["inTranscript"] for stop in stops) == 1  # three lines, one stop
    assert to_ask is not None and to_ask <= 20
    line = page.locator("#transcript button.cue[tabindex='0']")
    line.focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.dataset.start") == "2.5"
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('video').currentTime >= 5")
    assert page.locator("#transcript button.cue[tabindex='0']").count() == 1


CURRENT_IN_VIEW = """() => {
    const list = document.getElementById('transcript');
    const line = list.querySelector('[aria-current]');
    if (!line) return null;
    const a = list.getBoundingClientRect(), b = line.getBoundingClientRect();
    return b.top >= a.top - 1 && b.bottom <= a.bottom + 1;
}"""


def test_the_transcript_follows_the_video_unless_the_learner_scrolls_it(lesson_page):
    page = lesson_page
    # Three short lines stand in for a long transcript: the list shows about one line.
    page.evaluate("() => { document.getElementById('transcript').style.maxHeight = '3rem'; }")
    page.evaluate("() => { document.querySelector('video').currentTime = 6; }")
    page.wait_for_function("() => document.querySelector('#transcript [aria-current]')")
    page.wait_for_function(CURRENT_IN_VIEW)  # at a later time, the current line is in view
    assert page.evaluate("() => window.scrollY") == 0  # the list scrolled, not the page
    screenshot(page, "transcript-follows")
    page.locator("#transcript").hover()
    page.mouse.wheel(0, -400)  # the learner scrolls back to read the start
    page.wait_for_function("() => document.getElementById('transcript').scrollTop === 0")
    page.evaluate("() => { document.querySelector('video').currentTime = 5.5; }")
    page.wait_for_timeout(500)
    assert page.evaluate(CURRENT_IN_VIEW) is False  # left where the learner put it
    page.wait_for_timeout(5000)
    page.evaluate("() => { document.querySelector('video').currentTime = 6.5; }")
    page.wait_for_function(CURRENT_IN_VIEW)  # following resumes after the pause


OUTLINE = """() => {
    const video = document.querySelector('video');
    const style = getComputedStyle(video);
    return {focused: document.activeElement === video, style: style.outlineStyle,
            width: parseFloat(style.outlineWidth), color: style.outlineColor};
}"""


def test_the_video_shows_where_keyboard_focus_went(lesson_page):
    """Tab reaches the video, then its native controls (inside the video, so the video stays
    document.activeElement but no longer matches :focus-visible): a ring on every stop."""
    page = lesson_page
    page.locator(".breadcrumbs a").focus()
    rings = []
    for _ in range(12):
        page.keyboard.press("Tab")
        ring = page.evaluate(OUTLINE)
        if not ring["focused"] and rings:
            break
        if ring["focused"]:
            rings.append(ring)
    assert len(rings) >= 2, "Tab never reached the video's controls"
    for ring in rings:
        assert ring["style"] != "none" and ring["width"] >= 2, rings
    screenshot(page, "video-focus-ring")
    page.locator("video").click()  # a mouse click does not leave a ring behind
    assert page.evaluate(OUTLINE)["style"] == "none"
