"""What a learner met in Chromium (issue 15): the transcript is one tab stop and follows the
video, the video shows focus, and the forum's controls are readable and big enough on a phone."""

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.factories import import_fixture_course, make_enrollment, make_user

pytestmark = pytest.mark.browser

LESSON = "/courses/test-course/lessons/lesson-one"


@pytest.fixture
def lesson_page(live_server, page):
    course = import_fixture_course()
    user = make_user()
    make_enrollment(user, course)
    sign_in(page, live_server, user.email)
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


CONTRAST = """(el) => {
    const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
    const lum = ([r, g, b]) => {
        const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    let node = el, bg = null;
    while (node && node.nodeType === 1) {
        const parts = rgb(getComputedStyle(node).backgroundColor);
        if (parts.length < 4 || parts[3] > 0) { bg = parts.slice(0, 3); break; }
        node = node.parentElement;
    }
    bg = bg || [255, 255, 255];
    const fg = rgb(getComputedStyle(el).color).slice(0, 3);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""


@pytest.fixture
def answered_thread(app, live_server):
    from tests.factories import learner_in, make_thread
    from tests.helpers import client_for, post

    course = import_fixture_course()
    asker = learner_in(course, name="Dana Asker")
    helper = learner_in(course, name="Sam Helper")
    thread = make_thread(course, asker, is_question=True)
    reply = f"/courses/test-course/forum/t/{thread.id}/reply"
    post(client_for(app, helper), reply, {"body": "Try a timer."})
    return asker, f"{live_server}/courses/test-course/forum/t/{thread.id}"


def test_accept_as_answer_stays_readable_on_hover(live_server, page, answered_thread):
    asker, url = answered_thread
    sign_in(page, live_server, asker.email)
    page.goto(url)
    accept = page.get_by_role("button", name="Accept as answer")
    assert page.evaluate(CONTRAST, accept.element_handle()) >= 4.5
    accept.hover()
    page.wait_for_timeout(300)  # any transition has settled
    ratio = page.evaluate(CONTRAST, accept.element_handle())
    screenshot(page, "accept-hover")
    assert ratio >= 4.5, f"contrast {ratio:.2f}:1 on hover"


def test_thread_links_are_big_enough_to_tap_on_a_phone(live_server, browser, answered_thread):
    asker, url = answered_thread
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server, asker.email)
    page.goto(url)
    targets = [
        page.locator(".post-actions a", has_text="Quote").first,
        page.locator(".post-actions a", has_text="Edit").first,
        page.locator(".forum-nav a", has_text="Forum").first,
        page.get_by_role("button", name="Accept as answer"),
    ]
    for target in targets:
        box = target.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (target, box)
    screenshot(page, "thread-phone-targets")
    context.close()
