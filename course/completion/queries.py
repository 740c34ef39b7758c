"""The learner's CE checklist: lessons watched -> post-test passed -> evaluation -> license
state and number -> certificate.

Computed for many courses at once in a constant number of queries (course page, dashboard).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from campus.accounts.licenses import has_license
from campus.extensions import db
from course.assessment.models import EvaluationResponse, PostTestAttempt
from course.certificates.models import Certificate
from course.models import Course
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
