"""Factories for the CE tests: the CE fixture course, completed lessons, a passed post-test."""

from __future__ import annotations

from sqlalchemy import select

from campus.extensions import db
from course.assessment.models import EvaluationResponse, PostTestAttempt, PostTestQuestion
from tests.helpers import post

RIGHT = {
    "push-in": ["a"],
    "natural-settings": ["a", "b"],
    "collaboration": ["a"],
    "data": ["a"],
    "schedule": ["a"],
}


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
    data = {
        "objectives-met": "5",
        "relevant": "4",
        "comments": "Great examples.",
        "minutes_taken": "420",
        **extra,
    }
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
