"""Progress rows: watched intervals and resume position, viewing sessions, the per-day
time-on-task ledger and the log of refused credit (the CE audit trail)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campus.extensions import db
from campus.models import utcnow


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    # (course, user): one page of a course's learners sums its own rows only.
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        Index("ix_lesson_progress_course_user", "course_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    # Sorted, disjoint [start, end] pairs in media seconds: the union of what was watched.
    watched_intervals: Mapped[list] = mapped_column(JSON, default=list)
    watched_seconds: Mapped[float] = mapped_column(default=0.0)
    # Real seconds spent playing the lesson (course/progress/rules.py): coverage alone
    # does not complete a lesson, so faster playback cannot shorten CE time.
    viewing_seconds: Mapped[float] = mapped_column(default=0.0)
    position_seconds: Mapped[float] = mapped_column(default=0.0)
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ViewingSession(db.Model):
    """One opening of a lesson's player; its start time bounds what it can credit.

    Credited new media seconds for a session never exceed
    (wall-clock seconds since started_at + grace) x the course's max playback rate.
    """

    __tablename__ = "viewing_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_beat_at: Mapped[datetime | None]
    last_sequence: Mapped[int] = mapped_column(default=0)
    credited_seconds: Mapped[float] = mapped_column(default=0.0)
    # Real seconds of playing time credited in this session, bounded by its wall clock.
    real_seconds: Mapped[float] = mapped_column(default=0.0)
    # The beat sequence numbers already counted for real time, as [seq, seq + 1] pairs
    # merged like media intervals: a retried or duplicated beat adds no time twice.
    counted_beats: Mapped[list] = mapped_column(JSON, default=list)


class TimeOnTask(db.Model):
    """The ledger: time credited to a learner for a lesson on one of their calendar days
    (in their time zone, campus.timezones).

    real_seconds is the time-on-task: real seconds of playing, bounded by the wall clock.
    credited_seconds is the media newly covered that day. Rows written before real time was
    measured (migration 0007, 2026-11-27) keep real_seconds NULL: not measured.
    """

    __tablename__ = "time_on_task"
    # (course, user): one page of a course's learners sums its own rows only.
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", "day"),
        Index("ix_time_on_task_course_user", "course_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    credited_seconds: Mapped[float] = mapped_column(default=0.0)
    real_seconds: Mapped[float | None] = mapped_column(default=0.0)


class ProgressRefusal(db.Model):
    """Watch time a heartbeat claimed but the server did not credit, and why (for the auditor)."""

    __tablename__ = "progress_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("viewing_sessions.id"))
    reason: Mapped[str] = mapped_column(String(40))
    refused_seconds: Mapped[float] = mapped_column(default=0.0)
    refused_intervals: Mapped[list] = mapped_column(JSON, default=list)
    reported_rate: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
