"""Course settings have one home: course.models.DEFAULT_SETTINGS, read through Course.setting
by the heartbeat judge, the templates and (through a data attribute) the player."""

import re

import pytest
from sqlalchemy import select

from campus.extensions import db
from course.models import DEFAULT_SETTINGS
from course.progress.models import ProgressRefusal
from tests.course.progress_helpers import beat, open_session, progress_of
from tests.factories import lesson_named, make_enrollment, make_user
from tests.helpers import login


def _with_settings(course, settings):
    course.settings = settings
    db.session.commit()
    return course


def _max_rate_attribute(html: str) -> str:
    return re.search(r'data-max-rate="([^"]*)"', html).group(1)


@pytest.mark.parametrize(
    "settings", [{}, {"max_playback_rate": None, "completion_threshold": None}]
)
def test_a_course_without_settings_gets_the_defaults_everywhere(
    client, course, monkeypatch, settings
):
    """Unset (or a stored null) means the default, from the one constant: the player's data
    attribute, the speed menu, the page's words and the judge of heartbeats all follow it."""
    monkeypatch.setitem(DEFAULT_SETTINGS, "max_playback_rate", 1.5)
    monkeypatch.setitem(DEFAULT_SETTINGS, "completion_threshold", 0.5)
    _with_settings(course, settings)
    lesson = lesson_named(course)
    learner = make_user()
    make_enrollment(learner, course)
    login(client, learner)

    page = client.get(f"/courses/{course.slug}/lessons/{lesson.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert float(_max_rate_attribute(html)) == 1.5
    assert '<option value="1.5"' in html and '<option value="1.75"' not in html
    assert "counts as complete once 50% of the video" in html

    sid = open_session(client, lesson, seconds_ago=60)
    refused = beat(client, lesson, sid, [[0, 2]], rate=1.75).get_json()
    assert refused["credited_seconds"] == 0
    assert db.session.scalar(select(ProgressRefusal.reason)) == "rate_above_course_maximum"
    # At 1x: real viewing time must reach the threshold too (course/progress/rules.py).
    done = beat(client, lesson, sid, [[0, 4]], rate=1.0, seq=2).get_json()
    assert done["credited_seconds"] == 4 and done["completed"] is True  # 50% of 8 s
    assert progress_of(learner, lesson).completed_at is not None


def test_the_defaults_in_force_for_a_course_without_settings(course):
    """What courses without settings have always had: up to 2x, 90% to complete, no cap."""
    _with_settings(course, {})
    assert course.max_playback_rate == DEFAULT_SETTINGS["max_playback_rate"] == 2.0
    assert course.completion_threshold == DEFAULT_SETTINGS["completion_threshold"] == 0.9
    assert course.daily_cap_hours is None
