"""The progress endpoint: what it credits, what it refuses, and how it answers bad input."""

import json
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from campus.accounts.models import Role
from campus.extensions import db
from course.progress.models import LessonProgress, ProgressRefusal, TimeOnTask
from course.progress.services import GRACE_SECONDS
from tests.course.progress_helpers import beat, ledger_total, open_session, progress_of
from tests.factories import lesson_named, make_enrollment, make_user
from tests.helpers import count_queries, csrf_token_for, login, post_json


def test_credits_what_was_watched_and_completes_at_the_threshold(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=60)
    response = beat(client, lesson, sid, [[0, 4]], seq=1)
    assert response.status_code == 200
    assert response.get_json() == {
        "watched_seconds": 4.0,
        "percent": 50,
        "completed": False,
        "position": 4.0,
        "credited_seconds": 4.0,
        "viewing_seconds": 4.0,
        "viewing_required": 7.2,
        "note": "1 minute of the video not yet watched; 1 minute of viewing time left; "
        "faster playback does not shorten CE time",
    }
    replay = beat(client, lesson, sid, [[0, 4]], seq=2).get_json()
    assert replay["credited_seconds"] == 0 and replay["watched_seconds"] == 4.0
    done = beat(client, lesson, sid, [[3, 7.5]], seq=3).get_json()
    # Credit is kept in whole seconds: 7.5 of the 8 s video rounds to its end.
    assert done["completed"] is True and done["watched_seconds"] == 8.0
    assert ledger_total(learner) == pytest.approx(8.0)
    assert progress_of(learner, lesson).completed_at is not None


def test_seeking_to_the_end_earns_only_what_was_played(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=60)
    result = beat(client, lesson, sid, [[7, 8]], position=8).get_json()
    assert result["watched_seconds"] == 1.0 and result["completed"] is False


def test_order_and_duplicates_do_not_matter(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=60)
    beat(client, lesson, sid, [[4, 6]], seq=2, position=6)
    beat(client, lesson, sid, [[0, 2]], seq=1, position=2)  # a late retry of an older beat
    beat(client, lesson, sid, [[4, 6]], seq=2, position=6)
    row = progress_of(learner, lesson)
    assert row.watched_intervals == [[0, 2], [4, 6]]
    assert row.position_seconds == 6  # the older beat did not move the resume point back
    assert ledger_total(learner) == pytest.approx(4)


def test_a_script_claiming_the_whole_lesson_at_once_gains_nothing_more(client, learner, lesson):
    lesson.duration_seconds = 1800.0
    db.session.commit()
    sid = open_session(client, lesson)
    result = beat(client, lesson, sid, [[0, 1800]], position=1800).get_json()
    assert result["credited_seconds"] <= 12  # (about 1 s + 5 s grace) x 2.0
    refusal = db.session.scalar(select(ProgressRefusal))
    assert refusal.reason == "faster_than_wall_clock"
    assert refusal.refused_seconds == pytest.approx(1800 - result["credited_seconds"])
    assert ledger_total(learner) == pytest.approx(result["credited_seconds"])


def test_opening_many_sessions_buys_no_extra_time(client, learner, lesson):
    lesson.duration_seconds = 1800.0
    db.session.commit()
    credited = 0.0
    began = time.monotonic()
    for index in range(20):
        sid = open_session(client, lesson)
        start = index * 60
        credited += beat(client, lesson, sid, [[start, start + 60]]).get_json()["credited_seconds"]
    assert credited <= (time.monotonic() - began + 1 + GRACE_SECONDS) * 2.0  # not 20 x that
    assert progress_of(learner, lesson).watched_seconds == pytest.approx(credited)


def test_a_rate_above_the_course_maximum_is_not_credited(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=60)
    result = beat(client, lesson, sid, [[0, 4]], rate=4.0).get_json()
    assert result["credited_seconds"] == 0
    assert db.session.scalar(select(ProgressRefusal.reason)) == "rate_above_course_maximum"
    assert beat(client, lesson, sid, [[0, 4]], rate=2.0, seq=2).get_json()["credited_seconds"] == 4


def test_the_daily_cap_limits_credit_per_day(client, learner, lesson, course):
    course.settings = {**course.settings, "daily_cap_hours": 0.001}  # 3.6 s
    flag_modified(course, "settings")
    db.session.commit()
    sid = open_session(client, lesson, seconds_ago=60)
    result = beat(client, lesson, sid, [[0, 8]]).get_json()
    assert result["credited_seconds"] == 3.0  # whole seconds, never above the cap
    assert db.session.scalar(select(ProgressRefusal.reason)) == "daily_cap_reached"
    other = lesson_named(course, "lesson-two")
    sid2 = open_session(client, other, seconds_ago=60)
    assert beat(client, other, sid2, [[0, 8]]).get_json()["credited_seconds"] == 0


def test_csrf_token_may_travel_in_the_body_for_sendbeacon(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=60)
    token = csrf_token_for(client, client.application)
    body = {
        "session": sid,
        "seq": 1,
        "intervals": [[0, 3]],
        "position": 3,
        "rate": 1,
        "csrf_token": token,
    }
    response = client.post(
        f"/api/lessons/{lesson.id}/progress",
        data=json.dumps(body),
        content_type="text/plain;charset=UTF-8",
    )
    assert response.status_code == 200
    assert progress_of(learner, lesson).watched_seconds == 3


def _nothing_changed(user):
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0
    assert db.session.scalar(select(func.count(TimeOnTask.id))) == 0
    assert db.session.scalar(select(func.count(ProgressRefusal.id))) == 0


GOOD = {"seq": 1, "intervals": [[0, 3]], "position": 3, "rate": 1}


def raw(**changes) -> str:
    """A heartbeat body as JSON text; SID stands for the test's session id."""
    body = {"seq": 1, "intervals": [[0, 3]], "position": 3, "rate": 1, "session": "SID"}
    body.update(changes)
    return json.dumps({k: v for k, v in body.items() if v is not None}).replace('"SID"', "SID")


NAN, INF = float("nan"), float("inf")
BAD_INPUT = [
    ("{not json", 400, "not valid JSON"),
    ("[1, 2]", 400, "JSON object"),
    (raw(intervals=[[0, NAN]]), 400, "not valid JSON"),
    (raw(intervals=[[0, INF]]), 400, "not valid JSON"),
    (raw(position=NAN), 400, "not valid JSON"),
    (raw(intervals=[[-1, 3]]), 422, "non-negative"),
    (raw(intervals=[[5, 3]]), 422, "ends before it starts"),
    (raw(intervals=[[0, 60]]), 422, "beyond the end"),
    (raw(position=600), 422, "beyond the end"),
    (raw(position=-2), 422, "non-negative"),
    (raw(rate=0), 422, "rate"),
    (raw(position="3"), 422, "must be a number"),
    (raw(intervals=[[0, True]]), 422, "must be a number"),
    (raw(intervals=[[0, 1, 2]]), 422, "[start, end]"),
    (raw(intervals="0-3"), 422, "intervals"),
    (raw(seq=-1), 422, "seq"),
    (raw(seq=1.5), 422, "seq"),
    (raw(session=None), 422, "session"),
    (raw(session=999999), 404, "does not exist"),
]


@pytest.mark.parametrize("body, status, message", BAD_INPUT)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    client, learner, lesson, body, status, message
):
    sid = open_session(client, lesson, seconds_ago=60)
    token = csrf_token_for(client, client.application)
    response = client.post(
        f"/api/lessons/{lesson.id}/progress",
        data=body.replace("SID", str(sid)),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == status
    assert message in response.get_json()["error"]
    _nothing_changed(learner)


def test_someone_elses_session_is_refused(app, client, course, lesson):
    owner, intruder = make_user(), make_user()
    make_enrollment(owner, course)
    make_enrollment(intruder, course)
    login(client, owner)
    sid = open_session(client, lesson, seconds_ago=60)
    other_client = app.test_client()
    login(other_client, intruder)
    response = beat(other_client, lesson, sid, [[0, 3]])
    assert response.status_code == 403
    assert "someone else" in response.get_json()["error"]
    _nothing_changed(owner)


def test_a_session_for_another_lesson_is_refused(client, learner, lesson, course):
    sid = open_session(client, lesson, seconds_ago=60)
    response = beat(client, lesson_named(course, "lesson-two"), sid, [[0, 3]])
    assert response.status_code == 422


def test_a_learner_not_enrolled_is_refused(client, course, lesson):
    login(client, make_user())
    response = post_json(client, f"/api/lessons/{lesson.id}/sessions", {})
    assert response.status_code == 403 and "not enrolled" in response.get_json()["error"]


def test_a_withdrawn_learner_is_refused(client, learner, lesson, course):
    sid = open_session(client, lesson, seconds_ago=60)
    from campus.enrollment.queries import find_enrollment

    find_enrollment(learner.id, course.id).status = "withdrawn"
    db.session.commit()
    assert beat(client, lesson, sid, [[0, 3]]).status_code == 403
    _nothing_changed(learner)


def test_an_unpublished_lesson_is_refused(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=60)
    lesson.is_published = False
    db.session.commit()
    response = beat(client, lesson, sid, [[0, 3]])
    assert response.status_code == 404 and "not available" in response.get_json()["error"]
    assert post_json(client, "/api/lessons/424242/progress", GOOD).status_code == 404
    _nothing_changed(learner)


def test_anonymous_requests_get_401_json(client, course, lesson):
    response = post_json(client, f"/api/lessons/{lesson.id}/progress", {**GOOD, "session": 1})
    assert response.status_code == 401 and "log in" in response.get_json()["error"]


def test_missing_csrf_token_is_refused(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=60)
    response = client.post(f"/api/lessons/{lesson.id}/progress", json={**GOOD, "session": sid})
    assert response.status_code == 400 and "Security check" in response.get_json()["error"]
    bad = {**GOOD, "session": sid, "csrf_token": "forged"}
    assert client.post(f"/api/lessons/{lesson.id}/progress", json=bad).status_code == 400
    _nothing_changed(learner)


def test_staff_not_enrolled_are_not_tracked(client, course, lesson):
    login(client, make_user(Role.INSTRUCTOR))
    assert post_json(client, f"/api/lessons/{lesson.id}/sessions", {}).status_code == 403


def test_the_endpoint_makes_a_constant_number_of_queries(client, learner, lesson, course):
    """Whatever the beat's size or the learner's history (the exact statements are counted
    by the next test). The first beat also creates the row (insert + reselect)."""
    sid = open_session(client, lesson, seconds_ago=600)
    lesson_two = lesson_named(course, "lesson-two")
    url = f"/api/lessons/{lesson.id}/progress"

    def counted(intervals, seq):
        body = {"session": sid, "seq": seq, "intervals": intervals, "position": 1, "rate": 1}
        db.session.expunge_all()
        with count_queries() as statements:
            assert post_json(client, url, body).status_code == 200
        return len(statements)

    counts = [
        # Each beat brings one new second, in ever more (repeated) intervals.
        counted([[seq - 1, seq - 0.4]] * (seq * 3), seq)
        for seq in range(1, 6)
    ]
    for _ in range(3):  # more sessions and lessons do not add queries either
        open_session(client, lesson_two, seconds_ago=60)
    counts.append(counted([[6, 7]], 9))
    assert counts[0] == counts[1] + 2, counts
    assert len(set(counts[1:])) == 1 and counts[1] <= 11, counts


# The user (Flask-Login), (SQLite: BEGIN IMMEDIATE), the lesson with its course and the
# enrollment (PostgreSQL: locking the learner and the enrollment), the session with its
# budgets and the progress row, then the writes: the ledger upsert and the two updates
# (PostgreSQL: all three in one statement). Before issue 14's pass it was 10 on both.
STATEMENTS_PER_BEAT = {"sqlite": 7, "postgresql": 4}


def test_a_beat_makes_a_fixed_small_number_of_statements(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=600)
    assert beat(client, lesson, sid, [[0, 1]], seq=1).status_code == 200  # creates the row
    db.session.expunge_all()
    with count_queries() as statements:
        answer = beat(client, lesson, sid, [[1, 2]], seq=2)
    assert answer.status_code == 200 and answer.get_json()["credited_seconds"] == 1.0
    assert len(statements) == STATEMENTS_PER_BEAT[db.engine.dialect.name], statements
    # The user is read once, by the login; nothing reads it again after the commit.
    reads_of_user = [s for s in statements if s.lstrip().startswith("SELECT users.")]
    assert len(reads_of_user) == 1, statements


def test_a_learner_withdrawn_between_two_beats_is_refused_on_the_very_next(
    client, learner, lesson, course
):
    from campus.enrollment.services import enroll, withdraw

    sid = open_session(client, lesson, seconds_ago=60)
    assert beat(client, lesson, sid, [[0, 2]], seq=1).status_code == 200
    withdraw(learner, learner, course.id)
    db.session.commit()
    refused = beat(client, lesson, sid, [[2, 4]], seq=2)
    assert refused.status_code == 403 and "not enrolled" in refused.get_json()["error"]
    assert progress_of(learner, lesson).watched_seconds == 2.0
    assert ledger_total(learner) == pytest.approx(2.0)
    enroll(learner, learner, course.id, is_open=True)  # and coming back counts at once
    db.session.commit()
    assert beat(client, lesson, sid, [[2, 4]], seq=2).get_json()["credited_seconds"] == 2.0


def test_a_withdrawn_learner_hears_about_the_lesson_and_the_beat_first(
    client, learner, lesson, course
):
    """The combined lookup changes no answer: 404 for an unpublished lesson, then 422 for a
    malformed beat, and only then 403 for the enrollment."""
    from campus.enrollment.services import withdraw

    sid = open_session(client, lesson, seconds_ago=60)
    withdraw(learner, learner, course.id)
    db.session.commit()
    assert beat(client, lesson, sid, [[0, 2]], rate=0).status_code == 422
    assert beat(client, lesson, sid, [[0, 2]]).status_code == 403
    lesson.is_published = False
    db.session.commit()
    assert beat(client, lesson, sid, [[0, 2]], rate=0).status_code == 404
    _nothing_changed(learner)


def test_beats_beyond_the_per_learner_limit_get_429_and_keep_what_was_credited(
    app, client, course, learner, lesson, monkeypatch
):
    monkeypatch.setitem(app.config, "PROGRESS_RATE_LIMIT", "3 per minute")
    sid = open_session(client, lesson, seconds_ago=60)  # the first of three
    assert beat(client, lesson, sid, [[0, 2]], seq=1).status_code == 200
    assert beat(client, lesson, sid, [[2, 4]], seq=2).status_code == 200

    refused = beat(client, lesson, sid, [[4, 6]], seq=3)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert "Too many" in refused.get_json()["error"]
    assert progress_of(learner, lesson).watched_seconds == pytest.approx(4.0)
    assert ledger_total(learner) == pytest.approx(4.0)

    other = make_user(email="other@example.org")  # counted per learner, not per address
    make_enrollment(other, course)
    other_client = app.test_client()
    login(other_client, other)
    assert open_session(other_client, lesson)


def test_a_beat_without_playback_moves_nothing(client, learner, lesson):
    """Opening a lesson at ?t=5 and leaving: the beat reports a position but no played time.
    No row is created and the course page still invites the learner to start."""
    sid = open_session(client, lesson, seconds_ago=60)
    result = beat(client, lesson, sid, [], position=5)
    assert result.status_code == 200
    assert result.get_json()["position"] == 0 and result.get_json()["watched_seconds"] == 0
    assert progress_of(learner, lesson) is None
    assert "Start: Lesson one" in client.get("/courses/test-course").get_data(as_text=True)


def test_only_played_time_moves_the_resume_point(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=60)
    beat(client, lesson, sid, [[0, 2]], seq=1, position=2)
    before = progress_of(learner, lesson)
    updated_at = before.updated_at
    assert beat(client, lesson, sid, [], seq=3, position=6).status_code == 200
    row = progress_of(learner, lesson)
    assert row.position_seconds == 2 and row.updated_at == updated_at
    # The empty beat claimed no place in the session's order: a late real beat still counts.
    beat(client, lesson, sid, [[2, 3]], seq=2, position=3)
    assert progress_of(learner, lesson).position_seconds == 3
    # Re-watching seconds already credited is playback too: it moves the resume point.
    beat(client, lesson, sid, [[0, 1]], seq=4, position=1)
    assert progress_of(learner, lesson).position_seconds == 1


def test_refusals_that_need_a_new_sign_in_say_so(client, learner, lesson):
    """The player keeps beats refused for these codes queued, and asks the learner to sign in."""
    sid = open_session(client, lesson, seconds_ago=60)
    forged = {**GOOD, "session": sid, "csrf_token": "forged"}
    assert client.post(f"/api/lessons/{lesson.id}/progress", json=forged).get_json()["code"] == (
        "csrf"
    )
    client.post("/account/logout", data={"csrf_token": csrf_token_for(client, client.application)})
    response = post_json(client, f"/api/lessons/{lesson.id}/progress", {**GOOD, "session": sid})
    assert response.status_code == 401 and response.get_json()["code"] == "login"
    _nothing_changed(learner)


def test_a_fresh_token_only_for_a_signed_in_learner(client, learner, lesson):
    response = client.get("/api/progress/token")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    client.post("/account/logout", data={"csrf_token": csrf_token_for(client, client.application)})
    anonymous = client.get("/api/progress/token")
    assert anonymous.status_code == 401 and anonymous.get_json()["code"] == "login"


def test_a_session_opened_before_a_new_login_still_earns_its_wall_clock_budget(
    client, learner, lesson
):
    """A viewing session belongs to the lesson view, not the login: after signing out and in
    again, beats queued meanwhile are credited within that session's budget."""
    sid = open_session(client, lesson, seconds_ago=30)
    client.post("/account/logout", data={"csrf_token": csrf_token_for(client, client.application)})
    assert beat(client, lesson, sid, [[0, 6]]).status_code == 401
    login(client, learner)
    response = beat(client, lesson, sid, [[0, 6]], seq=2)
    assert response.status_code == 200 and response.get_json()["credited_seconds"] == 6.0
    client.post("/account/logout", data={"csrf_token": csrf_token_for(client, client.application)})
    other = make_user()
    make_enrollment(other, lesson.course)
    login(client, other)
    refused = beat(client, lesson, sid, [[6, 8]], seq=3)
    assert refused.status_code == 403 and "someone else" in refused.get_json()["error"]
