"""Contact hours in real time: coverage and real viewing time must both reach the threshold.

Each test drives the progress API the way the player does. The lesson is 10 minutes long and
the threshold 0.9, so a lesson needs 540 real seconds of viewing at the default credit rate.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text
from sqlalchemy.orm.attributes import flag_modified

from campus.extensions import db
from campus.models import utcnow
from course.progress.models import TimeOnTask, ViewingSession
from tests.course.progress_helpers import beat, open_session, progress_of
from tests.factories import lesson_named

LENGTH = 600.0
NOTE = "faster playback does not shorten CE time"


@pytest.fixture
def lesson(course):
    lesson = lesson_named(course)
    lesson.duration_seconds = LENGTH
    db.session.commit()
    return lesson


def _set(course, **settings) -> None:
    course.settings = {**course.settings, **settings}
    flag_modified(course, "settings")
    db.session.commit()


def _age(session_id: int, seconds: float) -> None:
    """Pretend the session was opened ``seconds`` ago (the wall clock the server judges by)."""
    db.session.get(ViewingSession, session_id).started_at = utcnow() - timedelta(seconds=seconds)
    db.session.commit()


def test_at_1x_watching_the_lesson_once_completes_it(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=LENGTH)
    result = beat(client, lesson, sid, [[0, LENGTH]]).get_json()
    assert result["completed"] is True and result["note"] == ""
    assert result["viewing_seconds"] == pytest.approx(LENGTH)
    real = db.session.scalar(
        select(TimeOnTask.real_seconds).where(TimeOnTask.user_id == learner.id)
    )
    assert real == pytest.approx(LENGTH)  # the ledger records real seconds


def test_at_2x_covering_the_lesson_in_half_the_time_does_not_complete_it(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=LENGTH / 2)
    result = beat(client, lesson, sid, [[0, LENGTH]], rate=2.0).get_json()
    assert result["watched_seconds"] == LENGTH  # coverage is credited: review stays possible
    assert result["viewing_seconds"] == pytest.approx(300)
    assert result["completed"] is False
    assert result["note"] == f"4 minutes of viewing time left; {NOTE}"  # 540 - 300 s
    # Four more real minutes of playing, at any speed, complete it.
    _age(sid, LENGTH / 2 + 240)
    more = beat(client, lesson, sid, [[0, 480]], rate=2.0, seq=2).get_json()
    assert more["viewing_seconds"] == pytest.approx(540)
    assert more["completed"] is True


def test_at_125x_the_default_credit_rate_earns_no_faster(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=LENGTH / 1.25)
    result = beat(client, lesson, sid, [[0, LENGTH]], rate=1.25).get_json()
    assert result["viewing_seconds"] == pytest.approx(480)
    assert result["completed"] is False
    assert result["note"] == f"1 minute of viewing time left; {NOTE}"


def test_a_course_crediting_125x_completes_in_four_fifths_of_the_time(
    client, learner, lesson, course
):
    _set(course, credit_rate=1.25)
    sid = open_session(client, lesson, seconds_ago=LENGTH / 1.25)
    result = beat(client, lesson, sid, [[0, LENGTH]], rate=1.25).get_json()
    assert result["viewing_required"] == pytest.approx(432)  # 0.9 x 600 / 1.25
    assert result["completed"] is True


def test_a_credit_rate_above_125_is_treated_as_125(client, learner, lesson, course):
    _set(course, credit_rate=2.0)  # the importer refuses this; the rule holds regardless
    sid = open_session(client, lesson, seconds_ago=LENGTH / 2)
    result = beat(client, lesson, sid, [[0, LENGTH]], rate=2.0).get_json()
    assert result["viewing_required"] == pytest.approx(432)
    assert result["completed"] is False


def test_claiming_1x_while_playing_faster_gains_no_viewing_time(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=LENGTH / 2)
    result = beat(client, lesson, sid, [[0, LENGTH]], rate=1.0).get_json()
    assert result["watched_seconds"] == LENGTH
    assert result["viewing_seconds"] <= LENGTH / 2 + 6  # the wall clock, plus 5 s of grace
    assert result["completed"] is False


def test_a_retried_beat_adds_no_viewing_time_twice(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=LENGTH * 2)
    beat(client, lesson, sid, [[0, 300]], seq=1)
    again = beat(client, lesson, sid, [[0, 300]], seq=1).get_json()
    assert again["viewing_seconds"] == pytest.approx(300)
    rewatch = beat(client, lesson, sid, [[0, 300]], seq=2).get_json()
    assert rewatch["viewing_seconds"] == pytest.approx(600)  # watching again is real time
    assert rewatch["watched_seconds"] == 300 and rewatch["completed"] is False


def test_two_tabs_cannot_spend_the_same_minutes_twice(client, learner, lesson, course):
    other = lesson_named(course, "lesson-two")
    other.duration_seconds = LENGTH
    db.session.commit()
    first = open_session(client, lesson, seconds_ago=100)
    second = open_session(client, other, seconds_ago=100)
    assert beat(client, lesson, first, [[0, 100]]).get_json()["viewing_seconds"] == 100
    parallel = beat(client, other, second, [[0, 100]]).get_json()
    assert parallel["viewing_seconds"] <= 6  # only the grace is left


def test_the_daily_cap_counts_real_time(client, learner, lesson, course):
    _set(course, daily_cap_hours=0.05)  # 180 s
    sid = open_session(client, lesson, seconds_ago=LENGTH)
    result = beat(client, lesson, sid, [[0, 300]], rate=1.5).get_json()
    assert result["viewing_seconds"] == pytest.approx(180)
    assert result["watched_seconds"] == pytest.approx(270)  # 180 real s at 1.5x


def test_the_lesson_page_says_why_the_lesson_is_not_complete(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=LENGTH / 2)
    beat(client, lesson, sid, [[0, LENGTH]], rate=2.0)
    html = client.get("/courses/test-course/lessons/lesson-one").get_data(as_text=True)
    assert f"4 minutes of viewing time left; {NOTE}" in html
    assert progress_of(learner, lesson).completed_at is None


def _insert(table: str, **values) -> int:
    """A row written with the schema as it is on disk (the models are ahead of it here)."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=db.session.connection())
    return db.session.execute(reflected.insert().values(**values)).inserted_primary_key[0]


def test_the_migration_reopens_lessons_completed_without_enough_real_time(app, capfd):
    """Progress from before 0007: three learners completed a 600 s lesson. One watched at 1x
    (kept), one at 2x in 300 s of wall clock (reopened), one at 2x who holds a certificate
    (kept: certificates already issued stand)."""
    from flask_migrate import downgrade, upgrade

    db.session.remove()
    downgrade(revision="0006")
    now = utcnow()
    course_id = _insert(
        "courses",
        slug="old",
        title="Old",
        summary="",
        description_html="",
        objectives=[],
        instructor_name="",
        instructor_credentials="",
        instructor_bio_html="",
        settings={},
        ce={},
        activity_minutes=0,
        is_published=True,
        is_open=True,
        created_at=now,
        updated_at=now,
    )
    module_id = _insert(
        "modules",
        course_id=course_id,
        slug="m",
        title="M",
        summary="",
        position=0,
        is_published=True,
    )
    lesson_id = _insert(
        "lessons",
        course_id=course_id,
        module_id=module_id,
        slug="l",
        title="L",
        summary="",
        body_html="",
        objectives=[],
        discussion_prompt="",
        position=0,
        duration_seconds=LENGTH,
        video_file="",
        video_type="",
        captions_file="",
        captions_lang="en",
        resources=[],
        is_published=True,
    )
    learners = []
    for index, span in enumerate((LENGTH, LENGTH / 2, LENGTH / 2)):
        user_id = _insert(
            "users",
            email=f"old{index}@example.com",
            full_name=f"Old {index}",
            password_hash="x",
            role="learner",
            is_disabled=False,
            session_token=f"t{index}",
            created_at=now,
        )
        _insert(
            "viewing_sessions",
            user_id=user_id,
            lesson_id=lesson_id,
            started_at=now - timedelta(seconds=span),
            last_beat_at=now,
            last_sequence=3,
            credited_seconds=LENGTH,
        )
        _insert(
            "lesson_progress",
            user_id=user_id,
            lesson_id=lesson_id,
            course_id=course_id,
            watched_intervals=[[0, 600]],
            watched_seconds=LENGTH,
            position_seconds=LENGTH,
            completed_at=now,
            created_at=now,
            updated_at=now,
        )
        learners.append(user_id)
    _insert(
        "certificates",
        code="OLD1-OLD1-OLD1-OLD1",
        user_id=learners[2],
        course_id=course_id,
        sequence=1,
        snapshot={},
        contact_hours=0.1,
        completed_at=now,
        issued_at=now,
        revoked_reason="",
    )
    db.session.commit()
    db.session.remove()
    upgrade()  # alembic's own log handler writes to the process's stderr
    output = capfd.readouterr().err
    assert "reopened 1 completed lessons of 1 learners" in output
    assert "1 such lessons of certified learners left complete" in output
    rows = dict(
        db.session.execute(
            text("SELECT user_id, completed_at IS NOT NULL FROM lesson_progress ORDER BY user_id")
        ).all()
    )
    assert rows == {learners[0]: True, learners[1]: False, learners[2]: True}
    viewing = db.session.scalar(
        text("SELECT viewing_seconds FROM lesson_progress WHERE user_id = :u"), {"u": learners[1]}
    )
    assert viewing == pytest.approx(LENGTH / 2, abs=1)
