"""Progress verbs: start a viewing session, record a heartbeat (the server is the judge).

A heartbeat's intervals are merged into the lesson's watched set as a union, so retries,
duplicates, out-of-order delivery and two tabs are harmless. What is credited is clamped to
the media duration, to what wall-clock time since the viewing session began allows at the
course's fastest rate, and to the optional daily cap; what is refused goes to the refusal log.

Credit is kept in whole seconds (intervals.snap): however a learner fragments what they
report, a progress row holds at most a lesson's length / 2 intervals, so one learner cannot
make every beat slow. The budget over the learner's recent sessions is one aggregate query.

Beside coverage, each beat earns real viewing time: the media it played divided by its
playback rate, never more than the wall clock allows at 1x across all the learner's sessions,
and counted once per beat sequence number. A lesson completes only when both reach the
threshold (course/progress/rules.py); the ledger records the real seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import JSON, Date, Float, Integer, bindparam, func, or_, select, text, true, update
from sqlalchemy.orm import contains_eager, load_only

from campus.accounts.models import User
from campus.database import begin_write, insert_for, is_postgres
from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.errors import UserError
from campus.extensions import db
from campus.models import UTCDateTime, utcnow
from campus.timezones import local_date
from course.models import Course, Lesson
from course.progress import intervals as iv
from course.progress import rules
from course.progress.heartbeat import Heartbeat
from course.progress.models import LessonProgress, ProgressRefusal, TimeOnTask, ViewingSession
from course.progress.queries import percent

# Slack for request latency and clock granularity between opening the player and playing.
GRACE_SECONDS = 5.0
RATE_TOLERANCE = 0.01
# Sessions older than this no longer bound new credit (a day of watching at any rate
# already exceeds any lesson).
SESSION_WINDOW = timedelta(days=1)

# A heartbeat's statements are built once (per database dialect where the SQL differs) and
# run with bound parameters: building a statement and computing its cache key cost more
# Python than running it (the ledger upsert's excluded columns, the budget's window query).
_PREPARED: dict[tuple[str, str], object] = {}


def _prepared(name: str, build):
    """The statement ``build(dialect_name)`` returns, built on first use for this dialect."""
    dialect = db.session.get_bind().dialect.name
    statement = _PREPARED.get((name, dialect))
    if statement is None:
        statement = _PREPARED[(name, dialect)] = build(dialect)
    return statement


ENROLLMENT_FOR_UPDATE = (
    select(Enrollment)
    .where(
        Enrollment.user_id == bindparam("user_id"), Enrollment.course_id == bindparam("course_id")
    )
    .with_for_update()
)
LEARNER_FOR_NO_KEY_UPDATE = (
    select(User.id).where(User.id == bindparam("user_id")).with_for_update(key_share=True)
)
SESSIONS = ViewingSession.__table__
PROGRESS = LessonProgress.__table__
PROGRESS_COLUMNS = (
    PROGRESS.c.id,
    PROGRESS.c.watched_intervals,
    PROGRESS.c.watched_seconds,
    PROGRESS.c.viewing_seconds,
    PROGRESS.c.position_seconds,
    PROGRESS.c.completed_at,
)
PROGRESS_FOR_UPDATE = (
    select(*PROGRESS_COLUMNS)
    .where(
        PROGRESS.c.user_id == bindparam("user_id"),
        PROGRESS.c.lesson_id == bindparam("lesson_id"),
    )
    .with_for_update()
)
# The statements that write a beat, as Core: the ORM's unit of work (change tracking,
# dependency sort, per-flush compilation) cost more Python than the writes themselves.
PROGRESS_UPDATE = (
    update(PROGRESS)
    .where(PROGRESS.c.id == bindparam("progress_id"))
    .values(
        watched_intervals=bindparam("watched_intervals"),
        watched_seconds=bindparam("watched_seconds"),
        viewing_seconds=bindparam("viewing_seconds"),
        position_seconds=bindparam("position_seconds"),
        completed_at=bindparam("completed_at"),
        updated_at=bindparam("now"),
    )
)
SESSION_UPDATE = (
    update(SESSIONS)
    .where(SESSIONS.c.id == bindparam("session_id"))
    .values(
        last_beat_at=bindparam("now"),
        last_sequence=bindparam("last_sequence"),
        credited_seconds=bindparam("session_credited"),
        real_seconds=bindparam("session_real"),
        counted_beats=bindparam("counted_beats"),
    )
)
# A beat that covered no time only says the session is alive.
SESSION_SEEN = (
    update(SESSIONS)
    .where(SESSIONS.c.id == bindparam("session_id"))
    .values(last_beat_at=bindparam("now"))
)
# Plain SQL both databases speak: SQLAlchemy cannot cache an ON CONFLICT DO UPDATE that
# names excluded columns, so the dialect construct was compiled again on every beat.
LEDGER_UPSERT = text(
    "INSERT INTO time_on_task (user_id, lesson_id, course_id, day, credited_seconds, "
    "real_seconds) VALUES (:user_id, :lesson_id, :course_id, :day, :credited, :real) "
    "ON CONFLICT (user_id, lesson_id, day) DO UPDATE SET "
    "credited_seconds = time_on_task.credited_seconds + excluded.credited_seconds, "
    "real_seconds = coalesce(time_on_task.real_seconds, 0.0) + excluded.real_seconds"
).bindparams(bindparam("day", type_=Date()))
# PostgreSQL writes the whole beat in one statement (one round trip, not three): the two
# updates as data-modifying CTEs beside the ledger upsert, which adds a row only for a
# beat that earned something.
BEAT_WRITE_POSTGRESQL = text(
    "WITH progress_write AS (UPDATE lesson_progress SET "
    "watched_intervals = :watched_intervals, watched_seconds = :watched_seconds, "
    "viewing_seconds = :viewing_seconds, position_seconds = :position_seconds, "
    "completed_at = :completed_at, updated_at = :now WHERE id = :progress_id), "
    "session_write AS (UPDATE viewing_sessions SET last_beat_at = :now, "
    "last_sequence = :last_sequence, credited_seconds = :session_credited, "
    "real_seconds = :session_real, counted_beats = :counted_beats WHERE id = :session_id) "
    "INSERT INTO time_on_task (user_id, lesson_id, course_id, day, credited_seconds, "
    "real_seconds) SELECT :user_id, :lesson_id, :course_id, :day, :credited, :real "
    "WHERE :credited > 0 OR :real > 0 "
    "ON CONFLICT (user_id, lesson_id, day) DO UPDATE SET "
    "credited_seconds = time_on_task.credited_seconds + excluded.credited_seconds, "
    "real_seconds = coalesce(time_on_task.real_seconds, 0.0) + excluded.real_seconds"
).bindparams(
    bindparam("watched_intervals", type_=JSON()),
    bindparam("counted_beats", type_=JSON()),
    bindparam("completed_at", type_=UTCDateTime()),
    bindparam("now", type_=UTCDateTime()),
    bindparam("day", type_=Date()),
    bindparam("credited", type_=Float()),
    bindparam("real", type_=Float()),
    bindparam("watched_seconds", type_=Float()),
    bindparam("viewing_seconds", type_=Float()),
    bindparam("position_seconds", type_=Float()),
    bindparam("session_credited", type_=Float()),
    bindparam("session_real", type_=Float()),
    bindparam("last_sequence", type_=Integer()),
    bindparam("progress_id", type_=Integer()),
    bindparam("session_id", type_=Integer()),
    bindparam("user_id", type_=Integer()),
    bindparam("lesson_id", type_=Integer()),
    bindparam("course_id", type_=Integer()),
)


@dataclass
class ProgressState:
    """The learner's row for the lesson as the beat leaves it (id None: no row yet)."""

    id: int | None
    watched_intervals: list
    watched_seconds: float
    viewing_seconds: float
    position_seconds: float
    completed_at: datetime | None


NO_PROGRESS = ProgressState(None, [], 0.0, 0.0, 0.0, None)


@dataclass
class SessionState:
    """The beat's viewing session as read under lock, with the budgets the wall clock leaves."""

    id: int
    started_at: datetime
    last_sequence: int
    credited_seconds: float
    real_seconds: float
    counted_beats: list
    budgets: Budgets


@dataclass
class Budgets:
    """Seconds the current session may still earn: media coverage at the course's fastest
    rate, and real viewing time at 1x (each wall_clock_budget over its own column)."""

    coverage: float
    real: float


@dataclass
class HeartbeatResult:
    course: Course
    progress: ProgressState
    credited_seconds: float
    refused_seconds: float
    refusals: list[str] = field(default_factory=list)

    def as_json(self, duration: float) -> dict:
        progress = self.progress
        course = self.course
        completed = progress.completed_at is not None
        return {
            "watched_seconds": round(progress.watched_seconds, 3),
            "percent": percent(progress.watched_seconds, duration),
            "completed": completed,
            "position": progress.position_seconds,
            "credited_seconds": round(self.credited_seconds, 3),
            "viewing_seconds": round(progress.viewing_seconds, 3),
            "viewing_required": round(rules.viewing_required(course, duration), 3),
            "note": ""
            if completed
            else rules.completion_note(
                course, duration, progress.watched_seconds, progress.viewing_seconds
            ),
        }


NOT_ENROLLED = "You are not enrolled in this course."


def _is_enrolled(status: str | None) -> bool:
    return status is not None and status != EnrollmentStatus.WITHDRAWN


def _locked_enrollment(user, course: Course) -> Enrollment:
    enrollment = db.session.scalar(
        ENROLLMENT_FOR_UPDATE, {"user_id": user.id, "course_id": course.id}
    )
    if not _is_enrolled(enrollment.status if enrollment else None):
        raise UserError(NOT_ENROLLED, 403)
    return enrollment


def start_session(user, lesson: Lesson) -> ViewingSession:
    """Open a viewing session: the server's own record of when watching could begin."""
    _locked_enrollment(user, lesson.course)
    session = ViewingSession(user_id=user.id, lesson_id=lesson.id, started_at=utcnow())
    db.session.add(session)
    db.session.flush()
    return session


def _lesson_for_beat(dialect: str):
    """The lesson with its course and the learner's enrollment status in one statement. On
    PostgreSQL it locks the learner (FOR NO KEY UPDATE: rows that merely reference the user
    are not blocked) and the enrollment until commit: the learner's beats are serialized, so
    parallel tabs cannot each spend the same wall-clock budget, and a withdrawal waits for
    the beat (or the beat for the withdrawal, and then sees it)."""
    statement = (
        select(Lesson, Enrollment.status)
        .join(Lesson.course)
        .options(
            # What a beat reads (rules read the course's settings): not the pages' texts.
            load_only(Lesson.course_id, Lesson.duration_seconds, Lesson.is_published),
            contains_eager(Lesson.course).load_only(Course.settings, Course.is_published),
        )
        .join(
            Enrollment,
            (Enrollment.course_id == Lesson.course_id)
            & (Enrollment.user_id == bindparam("user_id")),
        )
        .where(Lesson.id == bindparam("lesson_id"))
    )
    if dialect != "postgresql":
        return statement
    return statement.join(User, User.id == Enrollment.user_id).with_for_update(
        key_share=True, of=[User.__table__, Enrollment.__table__]
    )


def lesson_for_heartbeat(user, lesson_id: int) -> Lesson | None:
    """The lesson (course loaded) when ``user`` is enrolled in its course, else None
    (no such lesson, no enrollment, or a withdrawn one): the caller then looks the lesson
    up alone, to answer as it always did (404, then 422 for a bad beat, then 403).

    Opens the write transaction first (SQLite: begin_write) and locks as record_heartbeat
    does, so the enrollment read is the one the beat is recorded under; a withdrawal
    committed before it refuses this very beat. Whether the lesson is published is the
    caller's check, as for every other lesson lookup."""
    begin_write()
    row = db.session.execute(
        _prepared("lesson_for_beat", _lesson_for_beat),
        {"user_id": user.id, "lesson_id": lesson_id},
    ).first()
    if row is None or not _is_enrolled(row.status):
        return None
    return row.Lesson


def _elapsed_seconds(dialect: str, moment, column):
    """SQL for the seconds from ``column`` to ``moment`` (SQLite keeps timestamps as text)."""
    if dialect == "sqlite":
        return (func.julianday(moment) - func.julianday(column)) * 86400.0
    return func.extract("epoch", moment - column)


def _budget_parameters(user_id: int, session_id: int, now: datetime, max_rate: float, grace):
    return {
        "user_id": user_id,
        "session_id": session_id,
        "now": now,
        "since": now - SESSION_WINDOW,
        "max_rate": max_rate,
        "grace": grace,
    }


def _budgets(media, real_left) -> Budgets:
    return Budgets(max(float(media or 0.0), 0.0), max(float(real_left or 0.0), 0.0))


def session_budgets(
    user, session: ViewingSession, now: datetime, max_rate: float, grace: float = GRACE_SECONDS
) -> Budgets:
    """wall_clock_budget over the learner's recent sessions, computed by the database in
    one aggregate query: for every session start T up to the current one, (now - T + grace)
    x rate minus what sessions begun at or after T earned (window sums), the least of all."""
    parameters = _budget_parameters(user.id, session.id, now, max_rate, grace)
    parameters["current_start"] = session.started_at
    media, real_left = db.session.execute(
        _prepared("session_budgets", _budget_statement), parameters
    ).one()
    return _budgets(media, real_left)


def _budget_statement(dialect: str, current_start=None):
    """session_budgets' query, with its inputs as bound parameters (``current_start``, the
    current session's start, a parameter unless given as SQL)."""
    if current_start is None:
        current_start = bindparam("current_start", type_=UTCDateTime())
    moment = bindparam("now", type_=UTCDateTime())
    session_id = bindparam("session_id")
    newest_first = ViewingSession.started_at.desc()  # RANGE frame: ties count as later
    real = func.coalesce(ViewingSession.real_seconds, 0.0)
    recent = (
        select(
            ViewingSession.started_at,
            func.sum(ViewingSession.credited_seconds).over(order_by=newest_first).label("media"),
            func.sum(real).over(order_by=newest_first).label("real"),
        )
        .where(
            ViewingSession.user_id == bindparam("user_id"),
            or_(
                ViewingSession.started_at >= bindparam("since", type_=UTCDateTime()),
                ViewingSession.id == session_id,
            ),
            # A session that earned nothing never binds (the next one that did, or the current
            # one, began later with the same credit after it), so empty ones are skipped.
            or_(ViewingSession.credited_seconds > 0, real > 0, ViewingSession.id == session_id),
        )
        .subquery()
    )
    elapsed = _elapsed_seconds(dialect, moment, recent.c.started_at)
    allowed = _at_least_zero(dialect, elapsed) + bindparam("grace", type_=Float())
    return select(
        func.min(allowed * bindparam("max_rate", type_=Float()) - recent.c.media).label(
            "media_left"
        ),
        func.min(allowed - recent.c.real).label("real_left"),
    ).where(recent.c.started_at <= current_start)


def _beat_rows(dialect: str):
    """The beat's session and the learner's progress row for the lesson (each locked until
    commit; the progress row may not exist yet) and session_budgets' two figures, in one
    statement: the budget's current start is the session's own, read by the database.

    It runs after the learner's lock is taken, so its snapshot holds every earlier beat of
    the learner: the budget's sums are never read from before a beat that was waited for."""
    current_start = (
        select(SESSIONS.c.started_at)
        .where(SESSIONS.c.id == bindparam("session_id"))
        .scalar_subquery()
    )
    budgets = _budget_statement(dialect, current_start).subquery()
    # A locking subquery, since PostgreSQL cannot lock the nullable side of an outer join.
    progress = PROGRESS_FOR_UPDATE.subquery("progress")
    return (
        select(
            SESSIONS.c.id,
            SESSIONS.c.user_id,
            SESSIONS.c.lesson_id,
            SESSIONS.c.started_at,
            SESSIONS.c.last_sequence,
            SESSIONS.c.credited_seconds,
            SESSIONS.c.real_seconds,
            SESSIONS.c.counted_beats,
            budgets.c.media_left,
            budgets.c.real_left,
            *(column.label(f"progress_{column.name}") for column in progress.c),
        )
        .select_from(SESSIONS.join(budgets, true()).outerjoin(progress, true()))
        .where(SESSIONS.c.id == bindparam("session_id"))
        .with_for_update(of=SESSIONS)
    )


def _locked_rows(
    user, lesson: Lesson, session_id: int, now: datetime
) -> tuple[SessionState, ProgressState | None]:
    """The beat's session with its budgets, and the progress row if there is one, under the
    learner's lock (taken by lesson_for_heartbeat or record_heartbeat; SQLite's BEGIN
    IMMEDIATE serializes every writer, so it needs no row locks)."""
    parameters = _budget_parameters(
        user.id, session_id, now, lesson.course.max_playback_rate, GRACE_SECONDS
    )
    parameters["lesson_id"] = lesson.id
    row = db.session.connection().execute(_prepared("beat_rows", _beat_rows), parameters)
    row = row.first()
    if row is None:
        raise UserError("This viewing session does not exist.", 404)
    if row.user_id != user.id:
        raise UserError("This viewing session belongs to someone else.", 403)
    if row.lesson_id != lesson.id:
        raise UserError("This viewing session is for another lesson.", 422)
    session = SessionState(
        id=row.id,
        started_at=row.started_at,
        last_sequence=row.last_sequence,
        credited_seconds=row.credited_seconds,
        real_seconds=row.real_seconds,
        counted_beats=row.counted_beats or [],
        budgets=_budgets(row.media_left, row.real_left),
    )
    if row.progress_id is None:
        return session, None
    progress = ProgressState(
        id=row.progress_id,
        watched_intervals=row.progress_watched_intervals or [],
        watched_seconds=row.progress_watched_seconds,
        viewing_seconds=row.progress_viewing_seconds,
        position_seconds=row.progress_position_seconds,
        completed_at=row.progress_completed_at,
    )
    return session, progress


def _at_least_zero(dialect: str, value):
    """SQLite's two-argument max() is PostgreSQL's greatest()."""
    if dialect == "sqlite":
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


def _new_progress(user, lesson: Lesson) -> ProgressState:
    """The learner's first row for the lesson, created now and locked until commit."""
    keys = {"user_id": user.id, "lesson_id": lesson.id}
    connection = db.session.connection()
    now = utcnow()
    connection.execute(
        insert_for(LessonProgress)
        .values(
            user_id=user.id,
            lesson_id=lesson.id,
            course_id=lesson.course_id,
            watched_intervals=[],
            watched_seconds=0.0,
            viewing_seconds=0.0,
            position_seconds=0.0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "lesson_id"])
    )
    row = connection.execute(PROGRESS_FOR_UPDATE, keys).one()
    return ProgressState(
        id=row.id,
        watched_intervals=row.watched_intervals or [],
        watched_seconds=row.watched_seconds,
        viewing_seconds=row.viewing_seconds,
        position_seconds=row.position_seconds,
        completed_at=row.completed_at,
    )


def _real_today(user, course: Course, day) -> float:
    """Real seconds credited on ``day``, the learner's own calendar day (the daily cap's unit)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(func.coalesce(TimeOnTask.real_seconds, 0.0)), 0.0)).where(
            TimeOnTask.user_id == user.id, TimeOnTask.course_id == course.id, TimeOnTask.day == day
        )
    )


def _refuse(refusals: list, reason: str, intervals: iv.IntervalSet) -> None:
    if iv.measure(intervals) > 0:
        refusals.append((reason, intervals))


@dataclass
class Credit:
    """What the server believes of one beat: new media seconds and real viewing seconds."""

    coverage: iv.IntervalSet
    real: float = 0.0


def _real_seconds(
    session: SessionState, beat: Heartbeat, claimed: iv.IntervalSet, budget: float
) -> float:
    """Real playing time of the beat: media played / rate, bounded by the wall clock at 1x
    over all the learner's recent sessions, and zero for a beat number already counted."""
    slot = [(float(beat.sequence), float(beat.sequence + 1))]
    if not iv.subtract(slot, session.counted_beats):
        return 0.0
    played = iv.measure(claimed) / beat.rate
    return min(played, budget)


def _plausible(
    user,
    lesson: Lesson,
    session: SessionState,
    beat: Heartbeat,
    claimed: iv.IntervalSet,
    new: iv.IntervalSet,
    now: datetime,
    refusals: list,
) -> Credit:
    """The part of the beat the server believes; refused media goes to `refusals`."""
    course = lesson.course
    max_rate = course.max_playback_rate
    if beat.rate > max_rate + RATE_TOLERANCE:
        _refuse(refusals, "rate_above_course_maximum", new)
        return Credit([])
    # Whole seconds, so what is kept stays on the grid snap() put the beat on.
    budgets = session.budgets
    kept, rest = iv.take(new, math.floor(budgets.coverage + 1e-9))
    _refuse(refusals, "faster_than_wall_clock", rest)
    real = _real_seconds(session, beat, claimed, budgets.real)
    cap_hours = course.daily_cap_hours
    if cap_hours and (kept or real):
        remaining = max(cap_hours * 3600 - _real_today(user, course, local_date(now, user)), 0.0)
        real = min(real, remaining)
        kept, rest = iv.take(kept, math.floor(remaining * beat.rate + 1e-9))
        _refuse(refusals, "daily_cap_reached", rest)
    return Credit(kept, real)


def record_heartbeat(
    user, lesson: Lesson, beat: Heartbeat, now: datetime | None = None
) -> HeartbeatResult:
    """Merge a heartbeat into the learner's progress; constant queries, safe under concurrency.

    Checks the enrollment and takes the learner's lock itself; the progress API has done
    both in its lesson lookup (lesson_for_heartbeat) and calls record_enrolled_heartbeat.
    """
    begin_write()
    _locked_enrollment(user, lesson.course)
    if is_postgres():
        db.session.execute(LEARNER_FOR_NO_KEY_UPDATE, {"user_id": user.id}).all()
    return record_enrolled_heartbeat(user, lesson, beat, now)


def record_enrolled_heartbeat(
    user, lesson: Lesson, beat: Heartbeat, now: datetime | None = None
) -> HeartbeatResult:
    """record_heartbeat once the enrollment is checked and the learner locked.

    Only playback moves the resume point. A beat whose intervals, clamped to the media,
    cover no time (a page opened at ?t=..., a seek while paused) changes nothing: no
    progress row is created, and an existing row keeps its position and updated_at. A beat
    that reports played time (credited or not) moves the resume point to its position,
    unless a later beat of the same session already did (see _update_position).
    """
    now = now or utcnow()
    session, progress = _locked_rows(user, lesson, beat.session_id, now)
    duration = lesson.duration_seconds
    claimed = iv.snap(iv.clamp(beat.intervals, 0.0, duration), duration)
    if iv.measure(claimed) <= 0:
        db.session.connection().execute(SESSION_SEEN, {"session_id": session.id, "now": now})
        return HeartbeatResult(lesson.course, progress or NO_PROGRESS, 0.0, 0.0)
    progress = progress or _new_progress(user, lesson)
    # A row saved before whole-second credit is put on the grid at its next beat.
    watched = iv.snap(progress.watched_intervals, duration)
    new = iv.subtract(claimed, watched)
    refusals: list = []
    credit = _plausible(user, lesson, session, beat, claimed, new, now, refusals)
    merged = iv.as_json(iv.union(watched, credit.coverage))
    progress.watched_intervals = merged
    progress.watched_seconds = iv.measure(merged)
    credited = max(progress.watched_seconds - iv.measure(watched), 0.0)
    if credit.real > 0:
        slot = [(beat.sequence, beat.sequence + 1)]
        session.counted_beats = iv.as_json(iv.union(session.counted_beats, slot))
        session.real_seconds += credit.real
        progress.viewing_seconds += credit.real
    _update_position(progress, session, beat)
    _maybe_complete(progress, lesson, now)
    session.credited_seconds += credited
    _save(user, lesson, progress, session, now, credited, credit.real)
    _log_refusals(user, lesson, session, beat, refusals, now)
    refused = sum(iv.measure(parts) for _, parts in refusals)
    return HeartbeatResult(
        lesson.course, progress, credited, refused, [reason for reason, _ in refusals]
    )


def _save(
    user,
    lesson: Lesson,
    progress: ProgressState,
    session: SessionState,
    now: datetime,
    credited: float,
    real: float,
) -> None:
    """Write the beat's progress row and session (a beat that played always changes both)
    and add what it earned to the ledger: three statements, or on PostgreSQL one."""
    earned = credited > 0 or real > 0
    values = {
        "progress_id": progress.id,
        "watched_intervals": progress.watched_intervals,
        "watched_seconds": progress.watched_seconds,
        "viewing_seconds": progress.viewing_seconds,
        "position_seconds": progress.position_seconds,
        "completed_at": progress.completed_at,
        "now": now,
        "session_id": session.id,
        "last_sequence": session.last_sequence,
        "session_credited": session.credited_seconds,
        "session_real": session.real_seconds,
        "counted_beats": session.counted_beats,
        "user_id": user.id,
        "lesson_id": lesson.id,
        "course_id": lesson.course_id,
        "day": local_date(now, user) if earned else None,
        "credited": credited,
        "real": real,
    }
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(BEAT_WRITE_POSTGRESQL, values)
        return
    if earned:
        connection.execute(LEDGER_UPSERT, values)
    connection.execute(PROGRESS_UPDATE, values)
    connection.execute(SESSION_UPDATE, values)


def _log_refusals(user, lesson, session, beat: Heartbeat, refusals: list, now) -> None:
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
    if refusals:
        db.session.flush()


def _update_position(progress: ProgressState, session: SessionState, beat: Heartbeat) -> None:
    """Later beats of a session move the resume point; a late retry of an older one does not."""
    if beat.sequence >= session.last_sequence:
        session.last_sequence = beat.sequence
        progress.position_seconds = beat.position


def _maybe_complete(progress: ProgressState, lesson: Lesson, now: datetime) -> None:
    """Complete once coverage and real viewing time both reach the threshold."""
    if progress.completed_at is None and rules.is_complete(
        lesson.course, lesson.duration_seconds, progress.watched_seconds, progress.viewing_seconds
    ):
        progress.completed_at = now
