"""Factories for the CE tests: the CE fixture course, completed lessons, a passed post-test."""

from __future__ import annotations

from sqlalchemy import select

from campus.extensions import db
from campus.models import utcnow
from course.assessment.models import EvaluationResponse, PostTestAttempt, PostTestQuestion
from course.models import Lesson
from course.progress.models import LessonProgress
from tests.helpers import import_fixture_course, post

RIGHT = {
    "push-in": ["a"],
    "natural-settings": ["a", "b"],
    "collaboration": ["a"],
    "data": ["a"],
    "schedule": ["a"],
}


def import_ce_course():
    return import_fixture_course("ce-course")


def complete_lessons(user, course, count: int | None = None) -> None:
    """Mark lessons complete the way the progress tracker does: a row with completed_at."""
    lessons = db.session.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).all()
    for lesson in lessons[:count]:
        db.session.add(
            LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                course_id=course.id,
                watched_seconds=lesson.duration_seconds,
                completed_at=utcnow(),
            )
        )
    db.session.commit()


def questions_by_key(course) -> dict[str, PostTestQuestion]:
    return {
        q.key: q
        for q in db.session.scalars(
            select(PostTestQuestion).where(PostTestQuestion.course_id == course.id)
        )
    }


def answers_form(course, right: int = 5) -> dict:
    """Form fields for an attempt: the first `right` questions right, the rest wrong."""
    data = {}
    for index, (key, question) in enumerate(sorted(questions_by_key(course).items())):
        data[f"q-{question.id}"] = RIGHT[key] if index < right else ["b"]
    return data


def take_posttest(client, course, right: int = 5):
    response = post(client, f"/courses/{course.slug}/posttest/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    url = response.headers["Location"]
    return post(client, url, answers_form(course, right)), url


def submit_evaluation(client, course, **extra):
    data = {"objectives-met": "5", "relevant": "4", "comments": "Great examples.", **extra}
    return post(client, f"/courses/{course.slug}/evaluation", data)


def latest_attempt(user, course) -> PostTestAttempt:
    return db.session.scalars(
        select(PostTestAttempt)
        .where(PostTestAttempt.user_id == user.id, PostTestAttempt.course_id == course.id)
        .order_by(PostTestAttempt.number.desc())
    ).first()


def evaluation_of(user, course):
    return db.session.scalar(
        select(EvaluationResponse).where(
            EvaluationResponse.user_id == user.id, EvaluationResponse.course_id == course.id
        )
    )


def make_ready_for_certificate(user, course, score: float = 0.9) -> None:
    """Lessons complete, post-test passed and evaluation submitted, directly in the database."""
    complete_lessons(user, course)
    db.session.add(
        PostTestAttempt(
            user_id=user.id,
            course_id=course.id,
            number=1,
            layout=[],
            answers={},
            score=score,
            pass_mark=0.8,
            is_passed=True,
            submitted_at=utcnow(),
        )
    )
    db.session.add(
        EvaluationResponse(user_id=user.id, course_id=course.id, answers={"relevant": 5})
    )
    db.session.commit()


def make_certified(user, course):
    """Every step done directly in the database, then the certificate issued by the service."""
    from course.certificates.services import issue_certificate

    make_ready_for_certificate(user, course)
    certificate, _ = issue_certificate(user, course)
    db.session.commit()
    return certificate
