"""Behind nginx with MEDIA_URL_PREFIX, Chromium plays a lesson from its signed link, with
captions: the redirect, nginx's secure_link check, Range requests and the page's CSP and
crossorigin attribute work together in a real browser."""

import pytest

from bench.cluster import SIGNED_PREFIX, missing, start_cluster
from bench.common import free_port
from tests.browser.conftest import screenshot, sign_in
from tests.factories import FIXTURE_CONTENT, make_enrollment, make_user
from tests.live_server import server_env

_missing = missing("nginx", "redis-server", "gunicorn")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(_missing), reason=f"needs {', '.join(_missing)}"),
]


@pytest.fixture(params=["same origin", "CDN origin"])
def front(app, request):
    """The site through nginx; in the CDN case the page is on http://localhost:<port> and
    media links name http://127.0.0.1:<port>, another origin, which must answer CORS."""
    port = free_port()
    env = server_env({"CONTENT_DIR": str(FIXTURE_CONTENT)})
    site = f"http://127.0.0.1:{port}"
    cors_origin = ""
    if request.param == "CDN origin":
        site = f"http://localhost:{port}"
        env["MEDIA_URL_PREFIX"] = f"http://127.0.0.1:{port}{SIGNED_PREFIX}"
        cors_origin = site
    running = start_cluster(env, 2, front_port=port, cors_origin=cors_origin)
    yield site
    running.close()


def test_lesson_plays_from_its_signed_link_with_captions(front, page, course):
    learner = make_user()
    make_enrollment(learner, course)
    media = []
    page.on(
        "response",
        lambda response: (
            media.append((response.status, response.url)) if SIGNED_PREFIX in response.url else None
        ),
    )
    sign_in(page, front, learner.email, "**/dashboard")
    page.goto(front + "/courses/test-course/lessons/lesson-one")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5", timeout=20000)
    state = page.evaluate(
        """() => { const v = document.querySelector('video');
                   return {error: v.error && v.error.code,
                           cues: v.textTracks[0].cues ? v.textTracks[0].cues.length : 0}; }"""
    )
    assert state["error"] is None and state["cues"] > 0, state
    video = [status for status, url in media if "lesson-1.mp4?md5=" in url]
    captions = [status for status, url in media if "lesson-1.vtt?md5=" in url]
    assert video and set(video) <= {200, 206}, media
    assert captions == [200], media
    screenshot(page, "lesson-from-signed-link-" + front.split(":")[1].strip("/"))
