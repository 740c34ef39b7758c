"""Every lesson of the shipped courses plays in Chromium with its captions loaded."""

import pytest

from bench.common import stop_gunicorn
from tests.browser.conftest import screenshot, sign_in
from tests.factories import import_fixture_course, make_user
from tests.live_server import PROJECT_ROOT, server_env, start_gunicorn

pytestmark = pytest.mark.browser
CONTENT = PROJECT_ROOT / "content"
COURSES = sorted(p.parent.name for p in CONTENT.glob("*/course.yml"))


@pytest.fixture
def content_server(app, monkeypatch):
    """gunicorn serving the real content/ folder (the shared live server serves test fixtures)."""
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(CONTENT))
    process, url = start_gunicorn(server_env({"CONTENT_DIR": str(CONTENT)}))
    yield url
    stop_gunicorn(process)


@pytest.mark.parametrize("slug", COURSES)
def test_every_lesson_plays_with_captions(content_server, page, slug):
    from course.queries import course_outline

    course = import_fixture_course(slug, content_dir=CONTENT)
    staff = make_user("instructor")
    sign_in(page, content_server, staff.email, "**/dashboard")
    lessons = [
        lesson for _, module_lessons in course_outline(course.id) for lesson in module_lessons
    ]
    for lesson in lessons:
        page.goto(f"{content_server}/courses/{slug}/lessons/{lesson.slug}")
        page.evaluate(
            "() => { const v = document.querySelector('video'); v.muted = true; v.play(); }"
        )
        page.wait_for_function(
            "() => document.querySelector('video').currentTime > 0.5", timeout=20000
        )
        state = page.evaluate(
            """() => { const v = document.querySelector('video');
                       return {error: v.error && v.error.code, duration: v.duration,
                               cues: v.textTracks[0].cues ? v.textTracks[0].cues.length : 0,
                               mode: v.textTracks[0].mode}; }"""
        )
        assert state["error"] is None, lesson.slug
        assert abs(state["duration"] - lesson.duration_seconds) < 1.0, (lesson.slug, state)
        assert state["cues"] > 0 and state["mode"] == "showing", (lesson.slug, state)
    screenshot(page, f"{slug}-last-lesson")
