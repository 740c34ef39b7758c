"""Import a course's post-test bank and evaluation: questions upserted by id, retired if removed."""

from __future__ import annotations

from sqlalchemy import select

from campus.extensions import db
from campus.models import utcnow
from course.assessment.models import CourseAssessment, PostTestQuestion
from course.importer.read_assessment import AssessmentSpec


def sync_assessment(course, spec: AssessmentSpec | None, report) -> None:
    """Upsert settings, evaluation items and questions; idempotent like the lesson import."""
    if spec is None:
        return
    assessment = db.session.scalar(
        select(CourseAssessment).where(CourseAssessment.course_id == course.id)
    )
    if assessment is None:
        assessment = CourseAssessment(course_id=course.id)
        db.session.add(assessment)
        report.created.append("post-test and evaluation")
    if (
        assessment.posttest_settings != spec.settings
        or assessment.evaluation_items != spec.evaluation
    ):
        if assessment.id is not None:
            report.updated.append("post-test and evaluation")
        assessment.posttest_settings = dict(spec.settings)
        assessment.evaluation_items = list(spec.evaluation)
        assessment.updated_at = utcnow()
    _sync_questions(course, spec.questions, report)


def _sync_questions(course, questions: list[dict], report) -> None:
    existing = {
        q.key: q
        for q in db.session.scalars(
            select(PostTestQuestion).where(PostTestQuestion.course_id == course.id)
        )
    }
    for position, data in enumerate(questions):
        question = existing.get(data["key"])
        if question is None:
            question = PostTestQuestion(course_id=course.id, key=data["key"])
            db.session.add(question)
            report.created.append(f"question {data['key']}")
        values = {**data, "position": position, "is_retired": False}
        changed = [k for k, v in values.items() if getattr(question, k) != v]
        for name in changed:
            setattr(question, name, values[name])
        if changed and question.id is not None:
            report.updated.append(f"question {data['key']}")
    keys = {q["key"] for q in questions}
    for key, question in existing.items():
        if key not in keys and not question.is_retired:
            question.is_retired = True  # attempts reference it: retire, never delete
            report.unpublished.append(f"question {key}")
