"""Calendar days are the learner's: the ledger, the daily cap and certificate dates.

The moments are chosen so that the learner's day and the UTC day differ; counting in UTC
would fail every test here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from campus.extensions import db
from course.certificates.services import issue_certificate
from course.progress import services
from course.progress.heartbeat import Heartbeat
from course.progress.models import TimeOnTask
from tests.course.ce_helpers import evaluation_of, latest_attempt
from tests.factories import (
    import_ce_course,
    lesson_named,
    make_enrollment,
    make_ready_for_certificate,
    make_user,
)

# 22:30 on March 3 in Los Angeles (PST, UTC-8) is already March 4 in UTC.
EVENING_IN_LA = datetime(2026, 3, 4, 6, 30, tzinfo=UTC)


def _learner_in(zone: str | None, course):
    user = make_user()
    user.time_zone = zone
    make_enrollment(user, course)
    return user


def _watch(user, lesson, start: float, end: float, now: datetime) -> float:
    """One beat at ``now`` in a session opened an hour earlier; the seconds credited."""
    session = services.start_session(user, lesson)
    session.started_at = now - timedelta(hours=1)
    beat = Heartbeat(session.id, 1, [(start, end)], end, 1.0)
    result = services.record_heartbeat(user, lesson, beat, now=now)
    db.session.commit()
    return result.credited_seconds


def _ledger_days(user) -> list[date]:
    return list(
        db.session.scalars(
            select(TimeOnTask.day).where(TimeOnTask.user_id == user.id).order_by(TimeOnTask.day)
        )
    )


def test_the_ledger_records_the_learners_own_day(course):
    learner = _learner_in("America/Los_Angeles", course)
    _watch(learner, lesson_named(course), 0, 4, EVENING_IN_LA)
    assert _ledger_days(learner) == [date(2026, 3, 3)]


def test_without_a_choice_the_site_default_zone_counts(course):
    learner = _learner_in(None, course)  # DEFAULT_TIME_ZONE is America/New_York
    _watch(learner, lesson_named(course), 0, 4, datetime(2026, 3, 4, 3, 0, tzinfo=UTC))
    assert _ledger_days(learner) == [date(2026, 3, 3)]  # 10 pm Eastern


def test_the_daily_cap_resets_at_the_learners_midnight(course):
    course.settings = {**course.settings, "daily_cap_hours": 0.001}  # 3.6 s a day
    flag_modified(course, "settings")
    db.session.commit()
    learner = _learner_in("America/Los_Angeles", course)
    one, two = lesson_named(course, "lesson-one"), lesson_named(course, "lesson-two")

    assert _watch(learner, one, 0, 8, EVENING_IN_LA) == 3.0  # 3.6 s in whole seconds
    # 23:30 the same evening in LA: the cap still holds.
    assert _watch(learner, two, 0, 4, EVENING_IN_LA + timedelta(hours=1)) == 0
    # 00:30 the next day in LA (still March 4 in UTC, like the first beat): a new day.
    assert _watch(learner, two, 0, 4, EVENING_IN_LA + timedelta(hours=2)) == 3.0
    assert _ledger_days(learner) == [date(2026, 3, 3), date(2026, 3, 4)]


def test_the_certificate_shows_the_day_the_learner_finished(app):
    course = import_ce_course()
    learner = _learner_in("America/Los_Angeles", course)
    make_ready_for_certificate(learner, course)
    latest_attempt(learner, course).submitted_at = EVENING_IN_LA - timedelta(hours=3)
    evaluation_of(learner, course).submitted_at = EVENING_IN_LA
    db.session.commit()
    certificate, _ = issue_certificate(learner, course)
    assert certificate.snapshot["completed_on"] == "2026-03-03"
    assert certificate.snapshot["evaluation_submitted_on"] == "2026-03-03"
