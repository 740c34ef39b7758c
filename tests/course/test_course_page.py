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
    assert duration_label(20339.4) == "5 h 39 min"  # 5.65 h, as the contact hours say


def test_staff_land_on_their_tools_not_on_an_empty_learner_dashboard(client, course):
    from campus.accounts.models import Role
    from tests.factories import import_ce_course, make_user
    from tests.helpers import login

    ce_course = import_ce_course()
    login(client, make_user(Role.INSTRUCTOR))
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "not enrolled in any course" not in dashboard
    assert 'href="/courses/test-course/learners"' in dashboard
    assert f'href="/admin/courses/{ce_course.slug}/certificates"' in dashboard
    assert 'href="/courses/test-course/forum/moderation"' in dashboard
    page = client.get(f"/courses/{ce_course.slug}").get_data(as_text=True)
    assert "Staff tools" in page and "Your CE certificate" not in page
