"""What the course page tells a visitor about time: hours, and where they come from."""

from __future__ import annotations

from campus.extensions import db
from campus.templating import duration_label, format_clock


def test_declared_activity_time_is_explained_next_to_the_hours(client, course):
    course.activity_minutes = 15
    db.session.commit()
    html = client.get("/courses/test-course").get_data(as_text=True)
    assert "of video + 15 min of reading and worksheets" in html


def test_no_explanation_when_the_hours_are_all_video(client, course):
    assert "reading and worksheets" not in client.get("/courses/test-course").get_data(as_text=True)


def test_lesson_lengths_read_the_same_as_the_player_clock():
    assert duration_label(1127.9) == "18 min 47 s"
    assert format_clock(1127.9) == "18:47"
    assert duration_label(3 * 3600 + 59.9) == "3 h 00 min"
