"""The auditor's view: per-learner time-on-task by day and lesson, refusals, and CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func, select

from campus.accounts.models import User
from campus.enrollment import Enrollment, EnrollmentStatus
from campus.exports import spreadsheet_cell
from campus.extensions import db
from campus.timezones import zone_of
from course.models import Course, Lesson
from course.progress.models import LessonProgress, ProgressRefusal, TimeOnTask

REFUSALS_SHOWN = 200


@dataclass
class LearnerRow:
    learner: User
    enrollment: Enrollment
    credited_seconds: float = 0.0
    completed_lessons: int = 0


@dataclass
class LearnerReport:
    days: list[tuple] = field(default_factory=list)  # (day, lesson title, credited seconds)
    refusals: list[tuple] = field(default_factory=list)  # (ProgressRefusal, lesson title)
    progress: list[tuple] = field(default_factory=list)  # (Lesson, LessonProgress | None)

    @property
    def total_seconds(self) -> float:
        return sum(seconds for _, _, seconds in self.days)


def learner_rows(course: Course) -> list[LearnerRow]:
    """Every enrolled learner with credited time and completed lessons, in three queries."""
    pairs = (
        db.session.execute(
            select(User, Enrollment)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(
                Enrollment.course_id == course.id, Enrollment.status != EnrollmentStatus.WITHDRAWN
            )
            .order_by(User.full_name)
        )
        .tuples()
        .all()
    )
    credited = dict(
        db.session.execute(
            select(TimeOnTask.user_id, func.sum(TimeOnTask.credited_seconds))
            .where(TimeOnTask.course_id == course.id)
            .group_by(TimeOnTask.user_id)
        )
        .tuples()
        .all()
    )
    completed = dict(
        db.session.execute(
            select(LessonProgress.user_id, func.count(LessonProgress.id))
            .where(LessonProgress.course_id == course.id, LessonProgress.completed_at.is_not(None))
            .group_by(LessonProgress.user_id)
        )
        .tuples()
        .all()
    )
    return [
        LearnerRow(user, enrollment, credited.get(user.id, 0.0), completed.get(user.id, 0))
        for user, enrollment in pairs
    ]


def learner_report(course: Course, learner: User) -> LearnerReport:
    days = (
        db.session.execute(
            select(TimeOnTask.day, Lesson.title, TimeOnTask.credited_seconds)
            .join(Lesson, Lesson.id == TimeOnTask.lesson_id)
            .where(TimeOnTask.user_id == learner.id, TimeOnTask.course_id == course.id)
            .order_by(TimeOnTask.day, Lesson.position)
        )
        .tuples()
        .all()
    )
    refusals = (
        db.session.execute(
            select(ProgressRefusal, Lesson.title)
            .join(Lesson, Lesson.id == ProgressRefusal.lesson_id)
            .where(ProgressRefusal.user_id == learner.id, ProgressRefusal.course_id == course.id)
            .order_by(ProgressRefusal.created_at.desc())
            .limit(REFUSALS_SHOWN)
        )
        .tuples()
        .all()
    )
    progress = (
        db.session.execute(
            select(Lesson, LessonProgress)
            .outerjoin(
                LessonProgress,
                (LessonProgress.lesson_id == Lesson.id) & (LessonProgress.user_id == learner.id),
            )
            .where(Lesson.course_id == course.id, Lesson.is_published.is_(True))
            .order_by(Lesson.position)
        )
        .tuples()
        .all()
    )
    return LearnerReport(list(days), list(refusals), list(progress))


def ledger_csv(course: Course, learner: User, report: LearnerReport) -> str:
    """One row per learner-day and lesson; the day is the learner's, in the named zone."""
    zone = str(zone_of(learner))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "learner",
            "email",
            "course",
            "date",
            "time_zone",
            "lesson",
            "credited_seconds",
            "credited_minutes",
        ]
    )
    for day, title, seconds in report.days:
        writer.writerow(
            [
                spreadsheet_cell(learner.full_name),
                spreadsheet_cell(learner.email),
                spreadsheet_cell(course.title),
                day.isoformat(),
                zone,
                spreadsheet_cell(title),
                f"{seconds:.1f}",
                f"{seconds / 60:.2f}",
            ]
        )
    writer.writerow(
        [
            "total",
            "",
            "",
            "",
            "",
            "",
            f"{report.total_seconds:.1f}",
            f"{report.total_seconds / 60:.2f}",
        ]
    )
    return out.getvalue()
