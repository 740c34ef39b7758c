"""Truly concurrent heartbeats on PostgreSQL never lose credited seconds.

Each thread has its own test client and, outside the test's app context, its own
database session and connection, so the requests really race in the database.
"""

import os
import threading

import pytest
from sqlalchemy import func, select

from campus.extensions import db
from course.progress.models import LessonProgress, TimeOnTask, ViewingSession
from tests.course.progress_helpers import open_session
from tests.factories import lesson_named, make_enrollment, make_user
from tests.helpers import csrf_token_for, login

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"),
        reason="needs PostgreSQL (set TEST_DATABASE_URL); SQLite serializes writers anyway",
    ),
]

TABS = 4
BEATS_PER_TAB = 15


def test_concurrent_tabs_and_retries_lose_nothing(app, course):

    lesson = lesson_named(course, "lesson-one")
    lesson.duration_seconds = 1800.0
    db.session.commit()
    learner = make_user()
    make_enrollment(learner, course)
    clients, sessions, tokens = [], [], []
    for _ in range(TABS):  # each tab: its own client, cookie, CSRF token and viewing session
        client = app.test_client()
        login(client, learner)
        sessions.append(open_session(client, lesson, seconds_ago=3600))
        tokens.append(csrf_token_for(client, app))
        clients.append(client)
    lesson_id = lesson.id
    db.session.commit()
    barrier = threading.Barrier(TABS)
    statuses: list[int] = []

    def tab(index: int) -> None:
        barrier.wait()
        for n in range(BEATS_PER_TAB):
            second = float(index * BEATS_PER_TAB + n)  # every tab watched different seconds
            body = {
                "session": sessions[index],
                "seq": n + 1,
                "intervals": [[second, second + 1]],
                "position": second + 1,
                "rate": 1,
            }
            for _ in range(2):  # and every beat is retried once, as after a lost answer
                response = clients[index].post(
                    f"/api/lessons/{lesson_id}/progress",
                    json=body,
                    headers={"X-CSRFToken": tokens[index]},
                )
                statuses.append(response.status_code)

    threads = [threading.Thread(target=tab, args=(i,)) for i in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * (TABS * BEATS_PER_TAB * 2)
    expected = float(TABS * BEATS_PER_TAB)
    db.session.expire_all()
    row = db.session.scalar(select(LessonProgress))
    assert row.watched_seconds == pytest.approx(expected)
    assert row.watched_intervals == [[0.0, expected]]
    assert db.session.scalar(select(func.sum(TimeOnTask.credited_seconds))) == pytest.approx(
        expected
    )
    assert db.session.scalar(select(func.sum(ViewingSession.credited_seconds))) == pytest.approx(
        expected
    )
