"""Read models for progress on pages: lesson, module and course percentages, time watched
and "continue where you left off", each page in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from campus.extensions import db
from course.models import Course, Lesson, Module
from course.progress.models import LessonProgress
from course.progress.services import percent


@dataclass
class LessonStatus:
    lesson: Lesson
    watched_seconds: float = 0.0
    position_seconds: float = 0.0
    completed: bool = False
    updated_at: datetime | None = None

    @property
    def percent(self) -> int:
        return (
            100 if self.completed else percent(self.watched_seconds, self.lesson.duration_seconds)
        )

    @property
    def credit_seconds(self) -> float:
        """Seconds toward module and course percentages: a completed lesson counts in full."""
        duration = self.lesson.duration_seconds
        return duration if self.completed else min(self.watched_seconds, duration)

    @property
    def started(self) -> bool:
        return self.watched_seconds > 0 or self.position_seconds > 0


@dataclass
class CourseProgress:
    course: Course
    lessons: dict[int, LessonStatus] = field(default_factory=dict)
    modules: dict[int, int] = field(default_factory=dict)  # module id -> percent
    ordered: list[LessonStatus] = field(default_factory=list)

    @property
    def watched_seconds(self) -> float:
        return sum(min(s.watched_seconds, s.lesson.duration_seconds) for s in self.ordered)

    @property
    def credit_seconds(self) -> float:
        return sum(s.credit_seconds for s in self.ordered)

    @property
    def total_seconds(self) -> float:
        return sum(s.lesson.duration_seconds for s in self.ordered)

    @property
    def percent(self) -> int:
        return percent(self.credit_seconds, self.total_seconds)

    @property
    def completed_count(self) -> int:
        return sum(1 for s in self.ordered if s.completed)

    @property
    def resume(self) -> LessonStatus | None:
        """The most recently watched unfinished lesson, else the first unfinished one."""
        unfinished = [s for s in self.ordered if not s.completed]
        started = [s for s in unfinished if s.updated_at is not None and s.started]
        if started:
            return max(started, key=lambda s: s.updated_at)
        return unfinished[0] if unfinished else None


def progress_rows(user_id: int, course_ids: list[int]) -> list[LessonProgress]:
    if not course_ids:
        return []
    return list(
        db.session.scalars(
            select(LessonProgress).where(
                LessonProgress.user_id == user_id, LessonProgress.course_id.in_(course_ids)
            )
        )
    )


def build_course_progress(
    course: Course, outline: list[tuple[Module, list[Lesson]]], rows: list[LessonProgress]
) -> CourseProgress:
    """Pure assembly from already loaded outline and progress rows (no queries)."""
    by_lesson = {row.lesson_id: row for row in rows}
    result = CourseProgress(course)
    for module, lessons in outline:
        statuses = []
        for lesson in lessons:
            row = by_lesson.get(lesson.id)
            status = LessonStatus(lesson)
            if row is not None:
                status = LessonStatus(
                    lesson,
                    row.watched_seconds,
                    row.position_seconds,
                    row.completed_at is not None,
                    row.updated_at,
                )
            statuses.append(status)
            result.lessons[lesson.id] = status
        result.ordered.extend(statuses)
        credit = sum(s.credit_seconds for s in statuses)
        total = sum(s.lesson.duration_seconds for s in statuses)
        result.modules[module.id] = percent(credit, total)
    return result


def course_progress(user, course: Course, outline) -> CourseProgress | None:
    """A signed-in learner's progress in one course (one query), None for anonymous users."""
    if not user.is_authenticated:
        return None
    return build_course_progress(course, outline, progress_rows(user.id, [course.id]))


def dashboard_progress(user, courses: list[Course]) -> dict[int, CourseProgress]:
    """Progress in every listed course in three queries, however many courses and lessons."""
    ids = [course.id for course in courses]
    if not ids:
        return {}
    modules = db.session.scalars(
        select(Module)
        .where(Module.course_id.in_(ids), Module.is_published.is_(True))
        .order_by(Module.position)
    ).all()
    lessons = db.session.scalars(
        select(Lesson)
        .where(Lesson.course_id.in_(ids), Lesson.is_published.is_(True))
        .order_by(Lesson.position)
    ).all()
    rows = progress_rows(user.id, ids)
    result = {}
    for course in courses:
        outline = [
            (m, [lesson for lesson in lessons if lesson.module_id == m.id])
            for m in modules
            if m.course_id == course.id
        ]
        mine = [row for row in rows if row.course_id == course.id]
        result[course.id] = build_course_progress(course, outline, mine)
    return result
