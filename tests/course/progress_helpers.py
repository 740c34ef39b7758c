"""Shared helpers for the progress tests: sessions, heartbeats, lookups."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campus.extensions import db
from campus.models import utcnow
from course.models import Lesson
from course.progress.models import LessonProgress, TimeOnTask, ViewingSession
from tests.helpers import post_json


def open_session(client, lesson: Lesson, seconds_ago: float = 0) -> int:
    response = post_json(client, f"/api/lessons/{lesson.id}/sessions", {})
    assert response.status_code == 201, response.get_data(as_text=True)
    session_id = response.get_json()["session"]
    if seconds_ago:
        session = db.session.get(ViewingSession, session_id)
        session.started_at = utcnow() - timedelta(seconds=seconds_ago)
        db.session.commit()
    return session_id


def beat(client, lesson: Lesson, session_id: int, intervals, *, position=None, rate=1.0, seq=1):
    body = {
        "session": session_id,
        "seq": seq,
        "intervals": intervals,
        "rate": rate,
        "position": position if position is not None else (intervals[-1][1] if intervals else 0),
    }
    return post_json(client, f"/api/lessons/{lesson.id}/progress", body)


def progress_of(user, lesson) -> LessonProgress | None:
    return db.session.scalar(
        select(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
        .execution_options(populate_existing=True)
    )


def ledger_total(user) -> float:
    return sum(
        db.session.scalars(select(TimeOnTask.credited_seconds).where(TimeOnTask.user_id == user.id))
    )
