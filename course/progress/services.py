"""Progress verbs: start a viewing session, record a heartbeat (the server is the judge).

A heartbeat's intervals are merged into the lesson's watched set as a union, so retries,
duplicates, out-of-order delivery and two tabs are harmless. What is credited is clamped to
the media duration, to what wall-clock time since the viewing session began allows at the
course's fastest rate, and to the optional daily cap; what is refused goes to the refusal log.

Credit is kept in whole seconds (intervals.snap): however a learner fragments what they
report, a progress row holds at most a lesson's length / 2 intervals, so one learner cannot
make every beat slow. The budget over the learner's recent sessions is one aggregate query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, literal, or_, select

from campus.accounts.models import User
from campus.database import insert_for
from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.errors import UserError
from campus.extensions import db
from campus.models import UTCDateTime, utcnow
from campus.timezones import local_date
from course.models import Course, Lesson
from course.progress import intervals as iv
from course.progress.heartbeat import Heartbeat
from course.progress.models import LessonProgress, ProgressRefusal, TimeOnTask, ViewingSession
from course.progress.queries import percent

# Slack for request latency and clock granularity between opening the player and playing.
GRACE_SECONDS = 5.0
RATE_TOLERANCE = 0.01
# Sessions older than this no longer bound new credit (a day of watching at any rate
# already exceeds any lesson).
SESSION_WINDOW = timedelta(days=1)


@dataclass
class HeartbeatResult:
    progress: LessonProgress
    credited_seconds: float
    refused_seconds: float
    refusals: list[str] = field(default_factory=list)

    def as_json(self, duration: float) -> dict:
        progress = self.progress
        return {
            "watched_seconds": round(progress.watched_seconds, 3),
            "percent": percent(progress.watched_seconds, duration),
            "completed": progress.completed_at is not None,
            "position": progress.position_seconds,
            "credited_seconds": round(self.credited_seconds, 3),
        }


def _lock_for_write() -> None:
    """On SQLite, take the write lock before reading so read-modify-write cannot interleave.

    PostgreSQL uses row locks (SELECT ... FOR UPDATE) instead; pysqlite would otherwise
    only begin a transaction at the first write, after our reads.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _locked_enrollment(user, course: Course) -> Enrollment:
    enrollment = db.session.scalar(
        select(Enrollment)
        .where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
        .with_for_update()
    )
    if enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise UserError("You are not enrolled in this course.", 403)
    return enrollment


def start_session(user, lesson: Lesson) -> ViewingSession:
    """Open a viewing session: the server's own record of when watching could begin."""
    _locked_enrollment(user, lesson.course)
    session = ViewingSession(user_id=user.id, lesson_id=lesson.id, started_at=utcnow())
    db.session.add(session)
    db.session.flush()
    return session


def _locked_session(user, lesson: Lesson, session_id: int) -> ViewingSession:
    """The beat's session, after locking the learner (one row): the learner's beats are
    serialized, so parallel tabs cannot each spend the same wall-clock budget. (Locking
    every recent session instead made each beat scan them all.) FOR NO KEY UPDATE: rows
    that merely reference the user are not blocked."""
    db.session.execute(
        select(User.id).where(User.id == user.id).with_for_update(key_share=True)
    ).all()
    session = db.session.scalar(
        select(ViewingSession).where(ViewingSession.id == session_id).with_for_update()
    )
    if session is None:
        raise UserError("This viewing session does not exist.", 404)
    if session.user_id != user.id:
        raise UserError("This viewing session belongs to someone else.", 403)
    if session.lesson_id != lesson.id:
        raise UserError("This viewing session is for another lesson.", 422)
    return session


def _elapsed_seconds(now: datetime, column):
    """SQL for the seconds from ``column`` to ``now`` (SQLite keeps timestamps as text)."""
    moment = literal(now, UTCDateTime())
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(moment) - func.julianday(column)) * 86400.0
    return func.extract("epoch", moment - column)


def session_budget(
    user,
    session: ViewingSession,
    now: datetime,
    max_rate: float,
    grace: float = GRACE_SECONDS,
    earned=ViewingSession.credited_seconds,
) -> float:
    """wall_clock_budget over the learner's recent sessions, computed by the database in
    one query: for every session start T up to the current one, (now - T + grace) x rate
    minus what sessions begun at or after T earned (a window sum), the least of all.
    ``earned`` is the session column the budget is spent from."""
    later = (
        func.sum(earned)
        .over(order_by=ViewingSession.started_at.desc())  # RANGE frame: ties count as later
        .label("later")
    )
    recent = (
        select(ViewingSession.started_at, later)
        .where(
            ViewingSession.user_id == user.id,
            or_(ViewingSession.started_at >= now - SESSION_WINDOW, ViewingSession.id == session.id),
            # A session that earned nothing never binds (the next one that did, or the current
            # one, began later with the same credit after it), so empty ones are skipped.
            or_(earned > 0, ViewingSession.id == session.id),
        )
        .subquery()
    )
    elapsed = _elapsed_seconds(now, recent.c.started_at)
    budget = (_at_least_zero(elapsed) + grace) * max_rate - recent.c.later
    lowest = db.session.scalar(
        select(func.min(budget)).where(
            recent.c.started_at <= literal(session.started_at, UTCDateTime())
        )
    )
    return max(float(lowest), 0.0) if lowest is not None else 0.0


def _at_least_zero(value):
    """SQLite's two-argument max() is PostgreSQL's greatest()."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.max(value, 0.0)
    return func.greatest(value, 0.0)


def wall_clock_budget(
    sessions: list[tuple[datetime, float]],
    current_start: datetime,
    now: datetime,
    max_rate: float,
    grace: float = GRACE_SECONDS,
) -> float:
    """Media seconds the learner may still be credited in the session begun at current_start.

    sessions: (started_at, credited seconds) of the learner's recent sessions. For every
    session start T no later than the current one, everything credited by sessions begun at
    or after T must fit in (now - T + grace) x max_rate: opening many sessions at once buys
    nothing, and each session alone obeys the same rule.
    """
    ordered = sorted(sessions, key=lambda item: item[0])
    budget = float("inf")
    later = sum(credited for _, credited in ordered)
    for started, credited in ordered:
        if started > current_start:
            break
        elapsed = max((now - started).total_seconds(), 0.0)
        budget = min(budget, (elapsed + grace) * max_rate - later)
        later -= credited
    return max(budget, 0.0) if budget != float("inf") else 0.0


def _locked_progress(user, lesson: Lesson) -> LessonProgress:
    """The learner's row for the lesson, created if missing, locked until commit."""
    query = (
        select(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    progress = db.session.scalar(query)
    if progress is None:
        now = utcnow()
        db.session.execute(
            insert_for(LessonProgress)
            .values(
                user_id=user.id,
                lesson_id=lesson.id,
                course_id=lesson.course_id,
                watched_intervals=[],
                watched_seconds=0.0,
                position_seconds=0.0,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "lesson_id"])
        )
        progress = db.session.scalar(query)
    return progress


def _current_progress(user, lesson: Lesson) -> LessonProgress:
    """The learner's row as it stands, or an unsaved empty one when there is none yet."""
    progress = db.session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
        )
    )
    if progress is None:
        progress = LessonProgress(watched_intervals=[], watched_seconds=0.0, position_seconds=0.0)
    return progress


def _credited_today(user, course: Course, day) -> float:
    """Seconds credited on ``day``, the learner's own calendar day (the daily cap's unit)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(TimeOnTask.credited_seconds), 0.0)).where(
            TimeOnTask.user_id == user.id, TimeOnTask.course_id == course.id, TimeOnTask.day == day
        )
    )


def _add_to_ledger(user, lesson: Lesson, day, seconds: float) -> None:
    statement = insert_for(TimeOnTask).values(
        user_id=user.id,
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        day=day,
        credited_seconds=seconds,
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "lesson_id", "day"],
            set_={
                "credited_seconds": TimeOnTask.credited_seconds
                + statement.excluded.credited_seconds
            },
        )
    )


def _refuse(refusals: list, reason: str, intervals: iv.IntervalSet) -> None:
    if iv.measure(intervals) > 0:
        refusals.append((reason, intervals))


def _plausible(
    user,
    lesson: Lesson,
    session: ViewingSession,
    beat: Heartbeat,
    new: iv.IntervalSet,
    now: datetime,
    refusals: list,
) -> iv.IntervalSet:
    """The part of the new seconds the server believes; the rest goes to `refusals`."""
    course = lesson.course
    max_rate = course.max_playback_rate
    if beat.rate > max_rate + RATE_TOLERANCE:
        _refuse(refusals, "rate_above_course_maximum", new)
        return []
    # Whole seconds, so what is kept stays on the grid snap() put the beat on.
    budget = math.floor(session_budget(user, session, now, max_rate) + 1e-9)
    kept, rest = iv.take(new, budget)
    _refuse(refusals, "faster_than_wall_clock", rest)
    cap_hours = course.daily_cap_hours
    if cap_hours and kept:
        remaining = math.floor(
            cap_hours * 3600 - _credited_today(user, course, local_date(now, user)) + 1e-9
        )
        kept, rest = iv.take(kept, remaining)
        _refuse(refusals, "daily_cap_reached", rest)
    return kept


def record_heartbeat(
    user, lesson: Lesson, beat: Heartbeat, now: datetime | None = None
) -> HeartbeatResult:
    """Merge a heartbeat into the learner's progress; constant queries, safe under concurrency.

    Only playback moves the resume point. A beat whose intervals, clamped to the media,
    cover no time (a page opened at ?t=..., a seek while paused) changes nothing: no
    progress row is created, and an existing row keeps its position and updated_at. A beat
    that reports played time (credited or not) moves the resume point to its position,
    unless a later beat of the same session already did (see _update_position).
    """
    now = now or utcnow()
    _lock_for_write()
    _locked_enrollment(user, lesson.course)
    session = _locked_session(user, lesson, beat.session_id)
    duration = lesson.duration_seconds
    claimed = iv.snap(iv.clamp(beat.intervals, 0.0, duration), duration)
    if iv.measure(claimed) <= 0:
        session.last_beat_at = now
        db.session.flush()
        return HeartbeatResult(_current_progress(user, lesson), 0.0, 0.0)
    progress = _locked_progress(user, lesson)
    # A row saved before whole-second credit is put on the grid at its next beat.
    watched = iv.snap(progress.watched_intervals or [], duration)
    new = iv.subtract(claimed, watched)
    refusals: list = []
    credited_parts = _plausible(user, lesson, session, beat, new, now, refusals)
    merged = iv.as_json(iv.union(watched, credited_parts))
    progress.watched_intervals = merged
    progress.watched_seconds = iv.measure(merged)
    credited = max(progress.watched_seconds - iv.measure(watched), 0.0)
    _update_position(progress, session, beat, now)
    _maybe_complete(progress, lesson, now)
    session.credited_seconds += credited
    if credited > 0:
        _add_to_ledger(user, lesson, local_date(now, user), credited)
    for reason, parts in refusals:
        db.session.add(
            ProgressRefusal(
                user_id=user.id,
                lesson_id=lesson.id,
                course_id=lesson.course_id,
                session_id=session.id,
                reason=reason,
                refused_seconds=iv.measure(parts),
                refused_intervals=iv.as_json(parts),
                reported_rate=beat.rate,
                created_at=now,
            )
        )
    db.session.flush()
    refused = sum(iv.measure(parts) for _, parts in refusals)
    return HeartbeatResult(progress, credited, refused, [reason for reason, _ in refusals])


def _update_position(
    progress: LessonProgress, session: ViewingSession, beat: Heartbeat, now: datetime
) -> None:
    """Later beats of a session move the resume point; a late retry of an older one does not."""
    session.last_beat_at = now
    if beat.sequence >= session.last_sequence:
        session.last_sequence = beat.sequence
        progress.position_seconds = beat.position
    progress.updated_at = now


def _maybe_complete(progress: LessonProgress, lesson: Lesson, now: datetime) -> None:
    threshold = lesson.course.completion_threshold
    duration = lesson.duration_seconds
    if (
        progress.completed_at is None
        and duration > 0
        and (progress.watched_seconds >= threshold * duration - 1e-6)
    ):
        progress.completed_at = now
