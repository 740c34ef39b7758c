"""One learner cannot slow everyone (issue 15, finding 4): a progress row's size is bounded by
the lesson's length, a beat carries at most 50 intervals, opening viewing sessions has a low
limit of its own, and the wall-clock budget is one aggregate query that agrees with the rule."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campus.extensions import db
from campus.models import utcnow
from course.progress.models import ViewingSession
from course.progress.services import session_budgets, wall_clock_budget
from tests.course.progress_helpers import beat, ledger_total, open_session, progress_of
from tests.factories import lesson_named
from tests.helpers import post_json


def test_fragmenting_claims_cannot_grow_the_row_beyond_the_lessons_length(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=3600)
    for seq in range(1, 21):  # tiny slivers at ever different offsets
        offset = seq / 23
        slivers = [[i / 5 + offset / 5, i / 5 + offset / 5 + 0.05] for i in range(39)]
        assert beat(client, lesson, sid, slivers, seq=seq, position=1).status_code == 200
    row = progress_of(learner, lesson)
    assert len(row.watched_intervals) <= lesson.duration_seconds / 2 + 1
    assert all(float(s).is_integer() and float(e).is_integer() for s, e in row.watched_intervals)
    assert row.watched_seconds == ledger_total(learner)  # credit in whole seconds, exact


def test_a_beat_with_more_than_50_intervals_is_refused_and_changes_nothing(client, learner, lesson):
    sid = open_session(client, lesson, seconds_ago=60)
    many = [[i * 0.1, i * 0.1 + 0.05] for i in range(51)]
    refused = beat(client, lesson, sid, many)
    assert refused.status_code == 422 and "Too many intervals" in refused.get_json()["error"]
    assert progress_of(learner, lesson) is None
    assert beat(client, lesson, sid, many[:50], seq=2).status_code == 200


def test_opening_sessions_has_a_low_limit_of_its_own(app, client, learner, lesson, course):
    assert app.config["PROGRESS_SESSION_RATE_LIMIT"] == "20 per hour"
    url = f"/api/lessons/{lesson.id}/sessions"
    assert all(post_json(client, url, {}).status_code == 201 for _ in range(20))
    refused = post_json(client, url, {})
    assert refused.status_code == 429 and "Too many" in refused.get_json()["error"]
    assert db.session.scalar(select(func.count(ViewingSession.id))) == 20
    other = lesson_named(course, "lesson-two")  # per lesson: another lesson still opens
    assert post_json(client, f"/api/lessons/{other.id}/sessions", {}).status_code == 201
    sid = db.session.scalar(select(func.min(ViewingSession.id)))
    assert beat(client, lesson, sid, [[0, 2]]).status_code == 200  # beats are not refused


@pytest.mark.parametrize("seed", range(20))
def test_the_budget_query_agrees_with_the_rule(learner, lesson, seed):
    rng = random.Random(seed)
    now = utcnow()
    rows = []
    for _ in range(rng.randint(1, 15)):
        started = now - timedelta(seconds=rng.choice([0, 5, 30, 600, 3600, 7200, 90000]))
        started -= timedelta(microseconds=rng.randint(0, 999_999))
        rows.append(
            ViewingSession(
                user_id=learner.id,
                lesson_id=lesson.id,
                started_at=started,
                credited_seconds=float(rng.choice([0, 1, 7, 300, 2000])),
                real_seconds=float(rng.choice([0, 1, 5, 250, 1800])),
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    current = rng.choice(rows)
    recent = [r for r in rows if r.started_at >= now - timedelta(days=1) or r is current]
    rate = rng.choice([1.0, 2.0])
    budgets = session_budgets(learner, current, now, rate)

    def rule(column, at_rate):
        history = [(r.started_at, getattr(r, column)) for r in recent]
        return wall_clock_budget(history, current.started_at, now, at_rate)

    # SQLite's julianday() keeps milliseconds; the budgets are used in whole seconds anyway.
    assert budgets.coverage == pytest.approx(rule("credited_seconds", rate), abs=0.01)
    assert budgets.real == pytest.approx(rule("real_seconds", 1.0), abs=0.01)
