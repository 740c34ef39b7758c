"""The learner's CE checklist: lessons watched -> post-test passed -> evaluation -> license
state and number -> certificate.

Computed for many courses at once in a constant number of queries (course page, dashboard).
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from campus.accounts.licenses import has_license
from campus.accounts.models import User
from campus.audit.models import AuditEntry
from campus.charts import BarChart, bar_chart
from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.extensions import db
from course.assessment.models import CourseAssessment, EvaluationResponse, PostTestAttempt
from course.certificates.models import Certificate
from course.models import Course, Lesson, Module
from course.progress.models import LessonProgress
from course.progress.queries import LessonCounts, lesson_counts


@dataclass
class Checklist:
    """The learner's four steps for one course; `left` says what to do next."""

    course: Course
    offers_certificate: bool
    lessons_total: int
    lessons_done: int
    lessons_complete: bool  # LessonCounts.all_done: the rule that also gates the post-test
    posttest_passed: bool
    best_score: float | None
    attempts_used: int
    evaluation_done: bool
    license_given: bool  # license state and number, which a board report is keyed on
    certificate: Certificate | None

    @property
    def is_complete(self) -> bool:
        return (
            self.lessons_complete
            and self.posttest_passed
            and self.evaluation_done
            and self.license_given
        )

    @property
    def left(self) -> str:
        if not self.lessons_complete:
            return f"Watch {self.lessons_total - self.lessons_done} more lesson(s)."
        if not self.posttest_passed:
            return "Pass the post-test."
        if not self.evaluation_done:
            return "Submit the course evaluation."
        if not self.license_given:
            return "Give your license state and number."
        if self.certificate is None:
            return "Get your certificate."
        return ""


def checklists(user, courses: list[Course]) -> dict[int, Checklist]:
    """Checklists for several courses in five queries, whatever the number of courses.

    Only learners earn certificates: visitors and staff get none.
    """
    ids = [c.id for c in courses]
    if not ids or not user.is_authenticated or user.is_staff:
        return {}
    counts = lesson_counts(user.id, ids)
    attempts: dict[int, list[PostTestAttempt]] = {}
    for attempt in db.session.scalars(
        select(PostTestAttempt).where(
            PostTestAttempt.user_id == user.id, PostTestAttempt.course_id.in_(ids)
        )
    ):
        attempts.setdefault(attempt.course_id, []).append(attempt)
    evaluated = set(
        db.session.scalars(
            select(EvaluationResponse.course_id).where(
                EvaluationResponse.user_id == user.id, EvaluationResponse.course_id.in_(ids)
            )
        )
    )
    certificates = {
        c.course_id: c
        for c in db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id, Certificate.course_id.in_(ids))
            .order_by(Certificate.sequence)
        )
    }
    licensed = has_license(user)
    return {
        c.id: _checklist(c, counts, attempts.get(c.id, []), evaluated, certificates, licensed)
        for c in courses
    }


def _checklist(
    course, counts: LessonCounts, attempts, evaluated, certificates, licensed: bool
) -> Checklist:
    scores = [a.score for a in attempts if a.score is not None]
    return Checklist(
        course=course,
        offers_certificate=bool(course.ce),
        lessons_total=counts.total.get(course.id, 0),
        lessons_done=counts.done.get(course.id, 0),
        lessons_complete=counts.all_done(course.id),
        posttest_passed=any(a.is_passed for a in attempts),
        best_score=max(scores) if scores else None,
        attempts_used=sum(1 for a in attempts if a.is_submitted),
        evaluation_done=course.id in evaluated,
        license_given=licensed,
        certificate=certificates.get(course.id),
    )


def checklist(user, course: Course) -> Checklist | None:
    return checklists(user, [course]).get(course.id)


# --- The instructor's course dashboard --------------------------------------------------

STUCK_DAYS_DEFAULT, STUCK_DAYS_MIN, STUCK_DAYS_MAX = 14, 1, 365
STUCK_SHOWN = 100  # the longest-stuck learners listed; the total is counted in full
REMINDER_ACTION = "course.reminder"


class Step(enum.IntEnum):
    """Where a learner is on the CE path, in order; DONE is past the course's last step."""

    NOT_STARTED = 0
    LESSONS = 1
    POSTTEST = 2
    EVALUATION = 3
    CERTIFICATE = 4
    DONE = 5


@dataclass
class FunnelStep:
    label: str
    count: int
    of: int  # enrolled learners

    @property
    def percent(self) -> int:
        return round(100 * self.count / self.of) if self.of else 0


@dataclass
class LessonStats:
    lesson: Lesson
    started: int
    completed: int
    dropped: int  # completed the lesson before (enrolled, for the first) but not this one
    median_viewing_seconds: float | None  # real viewing time of those who completed it


@dataclass
class StuckLearner:
    learner: User
    last_activity: datetime
    step: Step
    lessons_done: int
    lessons_total: int
    attempts_used: int
    last_reminded_at: datetime | None

    @property
    def step_text(self) -> str:
        if self.step == Step.NOT_STARTED:
            return "Has not started a lesson"
        if self.step == Step.LESSONS:
            return f"Watching lessons ({self.lessons_done} of {self.lessons_total} done)"
        if self.step == Step.POSTTEST:
            return f"Post-test ({self.attempts_used} attempt(s) used)"
        if self.step == Step.EVALUATION:
            return "Course evaluation"
        return "Certificate not yet claimed"


@dataclass
class CourseDashboard:
    course: Course
    stuck_days: int
    funnel: list[FunnelStep]
    lessons: list[LessonStats]
    stuck: list[StuckLearner]
    stuck_total: int


def parse_stuck_days(value: str | None) -> tuple[int, str]:
    """The ?days= of the dashboard: (days, "") or (the default, what was wrong with it)."""
    if value in (None, ""):
        return STUCK_DAYS_DEFAULT, ""
    if not value.strip().isdigit() or not STUCK_DAYS_MIN <= int(value) <= STUCK_DAYS_MAX:
        return STUCK_DAYS_DEFAULT, (
            f"Days without progress must be a whole number from {STUCK_DAYS_MIN} to "
            f"{STUCK_DAYS_MAX}; showing {STUCK_DAYS_DEFAULT}."
        )
    return int(value), ""


def course_dashboard(course: Course, stuck_days: int, now: datetime) -> CourseDashboard:
    """The funnel, per-lesson drop-off and medians, and stuck learners in six queries,
    however many learners the course has."""
    lessons = list(
        db.session.scalars(
            select(Lesson)
            .join(Module, Module.id == Lesson.module_id)
            .where(
                Lesson.course_id == course.id,
                Lesson.is_published.is_(True),
                Module.is_published.is_(True),
            )
            .order_by(Module.position, Lesson.position)
        )
    )
    has_posttest = (
        db.session.scalar(
            select(CourseAssessment.id).where(CourseAssessment.course_id == course.id)
        )
        is not None
    )
    steps = _learner_steps(course, [lesson.id for lesson in lessons], has_posttest)
    cutoff = now - timedelta(days=stuck_days)
    stuck, stuck_total = _stuck_learners(course, steps, cutoff, len(lessons))
    funnel = _funnel(course, steps, has_posttest)
    return CourseDashboard(
        course=course,
        stuck_days=stuck_days,
        funnel=funnel,
        lessons=_lesson_stats(course, lessons, funnel[0].count),
        stuck=stuck,
        stuck_total=stuck_total,
    )


def _active_enrollment(course_id: int):
    return (Enrollment.course_id == course_id, Enrollment.status != EnrollmentStatus.WITHDRAWN)


def _latest(*columns):
    """The latest of several timestamps, NULLs ignored (the first is never NULL); portable
    where SQLite has no greatest()."""
    result = columns[0]
    for column in columns[1:]:
        result = case((column > result, column), else_=result)
    return result


def _learner_steps(course: Course, lesson_ids: list[int], has_posttest: bool):
    """One row per enrolled learner: what they have done, their step and last activity."""
    progress = (
        select(
            LessonProgress.user_id,
            func.count(
                case(
                    (
                        LessonProgress.completed_at.is_not(None)
                        & LessonProgress.lesson_id.in_(lesson_ids),
                        1,
                    )
                )
            ).label("lessons_done"),
            func.max(LessonProgress.updated_at).label("last_progress"),
        )
        .where(LessonProgress.course_id == course.id)
        .group_by(LessonProgress.user_id)
        .subquery()
    )
    attempts = (
        select(
            PostTestAttempt.user_id,
            func.max(case((PostTestAttempt.is_passed.is_(True), 1), else_=0)).label("passed"),
            func.count(PostTestAttempt.submitted_at).label("attempts_used"),
            func.max(func.coalesce(PostTestAttempt.submitted_at, PostTestAttempt.started_at)).label(
                "last_attempt"
            ),
        )
        .where(PostTestAttempt.course_id == course.id)
        .group_by(PostTestAttempt.user_id)
        .subquery()
    )
    evaluations = (
        select(EvaluationResponse.user_id, EvaluationResponse.submitted_at)
        .where(EvaluationResponse.course_id == course.id)
        .subquery()
    )
    certificates = (
        select(Certificate.user_id)
        .where(Certificate.course_id == course.id, Certificate.revoked_at.is_(None))
        .group_by(Certificate.user_id)
        .subquery()
    )
    lessons_done = func.coalesce(progress.c.lessons_done, 0)
    whens = [
        (progress.c.user_id.is_(None), Step.NOT_STARTED.value),
        (lessons_done < len(lesson_ids), Step.LESSONS.value),
    ]
    if has_posttest:
        whens += [
            (func.coalesce(attempts.c.passed, 0) == 0, Step.POSTTEST.value),
            (evaluations.c.user_id.is_(None), Step.EVALUATION.value),
        ]
    if course.ce:
        whens.append((certificates.c.user_id.is_(None), Step.CERTIFICATE.value))
    return (
        select(
            Enrollment.user_id,
            progress.c.user_id.is_not(None).label("started"),
            lessons_done.label("lessons_done"),
            (lessons_done >= len(lesson_ids)).label("all_lessons"),
            func.coalesce(attempts.c.passed, 0).label("passed"),
            func.coalesce(attempts.c.attempts_used, 0).label("attempts_used"),
            evaluations.c.user_id.is_not(None).label("evaluated"),
            certificates.c.user_id.is_not(None).label("certified"),
            case(*whens, else_=Step.DONE.value).label("step"),
            _latest(
                Enrollment.enrolled_at,
                progress.c.last_progress,
                attempts.c.last_attempt,
                evaluations.c.submitted_at,
            ).label("last_activity"),
        )
        .outerjoin(progress, progress.c.user_id == Enrollment.user_id)
        .outerjoin(attempts, attempts.c.user_id == Enrollment.user_id)
        .outerjoin(evaluations, evaluations.c.user_id == Enrollment.user_id)
        .outerjoin(certificates, certificates.c.user_id == Enrollment.user_id)
        .where(*_active_enrollment(course.id))
        .subquery()
    )


def _funnel(course: Course, steps, has_posttest: bool) -> list[FunnelStep]:
    """Each step counts the learners who have done it, in one aggregate query."""

    def count(flag):
        return func.coalesce(func.sum(case((flag, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            func.count(),
            count(steps.c.started),
            count(steps.c.all_lessons),
            count(steps.c.passed == 1),
            count(steps.c.evaluated),
            count(steps.c.certified),
        ).select_from(steps)
    ).one()
    enrolled = row[0]
    labels = ["Enrolled", "Started a lesson", "Watched every lesson"]
    if has_posttest:
        labels += ["Passed the post-test", "Submitted the evaluation"]
    if course.ce:
        labels.append("Holds a certificate")
    values = dict(
        zip(
            [
                "Enrolled",
                "Started a lesson",
                "Watched every lesson",
                "Passed the post-test",
                "Submitted the evaluation",
                "Holds a certificate",
            ],
            row,
            strict=True,
        )
    )
    return [FunnelStep(label, int(values[label]), enrolled) for label in labels]


def _stuck_learners(
    course: Course, steps, cutoff: datetime, lessons_total: int
) -> tuple[list[StuckLearner], int]:
    """Learners short of the last step with no activity since cutoff, longest-stuck first,
    with when each was last reminded (one query; the total rides along as a window count)."""
    reminded = (
        select(
            AuditEntry.target_id.label("user_id"),
            func.max(AuditEntry.created_at).label("reminded_at"),
        )
        .where(
            AuditEntry.action == REMINDER_ACTION,
            AuditEntry.course_id == course.id,
            AuditEntry.target_type == "user",
        )
        .group_by(AuditEntry.target_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            User,
            steps.c.last_activity,
            steps.c.step,
            steps.c.lessons_done,
            steps.c.attempts_used,
            reminded.c.reminded_at,
            func.count().over().label("total"),
        )
        .join(steps, steps.c.user_id == User.id)
        .outerjoin(reminded, reminded.c.user_id == User.id)
        .where(steps.c.step < Step.DONE.value, steps.c.last_activity < cutoff)
        .order_by(steps.c.last_activity, User.id)
        .limit(STUCK_SHOWN)
    ).all()
    stuck = [
        StuckLearner(
            learner=user,
            last_activity=last,
            step=Step(step),
            lessons_done=int(done),
            lessons_total=lessons_total,
            attempts_used=int(used),
            last_reminded_at=reminded_at,
        )
        for user, last, step, done, used, reminded_at, _ in rows
    ]
    return stuck, rows[0].total if rows else 0


def _lesson_stats(course: Course, lessons: list[Lesson], enrolled: int) -> list[LessonStats]:
    """Per lesson: enrolled learners who started and completed it, who completed the lesson
    before but not this one, and the median real viewing time of its completers (three
    queries)."""
    active = select(Enrollment.user_id).where(*_active_enrollment(course.id))
    mine = (LessonProgress.course_id == course.id, LessonProgress.user_id.in_(active))
    counts = {
        lesson_id: (started, completed)
        for lesson_id, started, completed in db.session.execute(
            select(
                LessonProgress.lesson_id,
                func.count(LessonProgress.id),
                func.count(LessonProgress.completed_at),
            )
            .where(*mine)
            .group_by(LessonProgress.lesson_id)
        )
    }
    stopped = _stopped_after(lessons, mine)
    medians = _median_viewing_seconds(mine)
    stats = []
    for index, lesson in enumerate(lessons):
        started, completed = counts.get(lesson.id, (0, 0))
        # The first lesson's "step before" is enrolling: enrolled, not completed it.
        dropped = enrolled - completed if index == 0 else stopped.get(lessons[index - 1].id, 0)
        stats.append(
            LessonStats(lesson, started, completed, max(dropped, 0), medians.get(lesson.id))
        )
    return stats


def _stopped_after(lessons: list[Lesson], conditions) -> dict[int, int]:
    """For each lesson but the last: learners who completed it but not the next lesson in
    course order (one query; the next lesson is a CASE over the ordered ids)."""
    if len(lessons) < 2:
        return {}
    done = LessonProgress.completed_at.is_not(None)
    following = case(
        *[(LessonProgress.lesson_id == a.id, b.id) for a, b in itertools.pairwise(lessons)],
        else_=None,
    )
    later = aliased(LessonProgress)
    completed_next = (
        select(later.id)
        .where(
            later.user_id == LessonProgress.user_id,
            later.lesson_id == following,
            later.completed_at.is_not(None),
        )
        .exists()
    )
    return dict(
        db.session.execute(
            select(LessonProgress.lesson_id, func.count(LessonProgress.id))
            .where(
                *conditions,
                done,
                LessonProgress.lesson_id.in_([lesson.id for lesson in lessons[:-1]]),
                ~completed_next,
            )
            .group_by(LessonProgress.lesson_id)
        )
        .tuples()
        .all()
    )


def _median_viewing_seconds(conditions) -> dict[int, float]:
    """Median LessonProgress.viewing_seconds of completers per lesson, in SQL (window
    functions, which SQLite and PostgreSQL both have): the middle row, or the mean of the
    two middle rows."""
    ranked = (
        select(
            LessonProgress.lesson_id,
            LessonProgress.viewing_seconds.label("seconds"),
            func.row_number()
            .over(partition_by=LessonProgress.lesson_id, order_by=LessonProgress.viewing_seconds)
            .label("rank"),
            func.count().over(partition_by=LessonProgress.lesson_id).label("n"),
        )
        .where(*conditions, LessonProgress.completed_at.is_not(None))
        .subquery()
    )
    middle = ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    return {
        lesson_id: float(median)
        for lesson_id, median in db.session.execute(
            select(ranked.c.lesson_id, func.avg(ranked.c.seconds))
            .where(middle)
            .group_by(ranked.c.lesson_id)
        )
    }


def dashboard_charts(page: CourseDashboard) -> dict[str, BarChart]:
    """The dashboard's pictures; each macro call draws the same numbers as a table too."""
    funnel = bar_chart(
        "funnel",
        "Learners at each step",
        "Horizontal bars: how many enrolled learners have done each step, from enrolling "
        "to holding a certificate.",
        [(s.label, s.count, f"{s.count} ({s.percent}%)") for s in page.funnel],
        columns=("Step", "Learners (share of enrolled)"),
        scale_max=page.funnel[0].count if page.funnel else None,
    )
    completed = bar_chart(
        "lessons",
        "Learners who completed each lesson",
        "Horizontal bars, one per lesson in course order: how many enrolled learners completed it.",
        [(s.lesson.title, s.completed, str(s.completed)) for s in page.lessons],
        columns=("Lesson", "Completed"),
        scale_max=page.funnel[0].count if page.funnel else None,
    )
    viewing = bar_chart(
        "viewing",
        "Median real viewing time of those who completed each lesson (minutes)",
        "Horizontal bars, one per lesson: the median minutes of real viewing time of the "
        "learners who completed it; lessons nobody completed have no bar.",
        [
            (
                s.lesson.title,
                (s.median_viewing_seconds or 0) / 60,
                "—"
                if s.median_viewing_seconds is None
                else f"{s.median_viewing_seconds / 60:.1f} min",
            )
            for s in page.lessons
        ],
        columns=("Lesson", "Median minutes"),
    )
    return {"funnel": funnel, "lessons": completed, "viewing": viewing}
