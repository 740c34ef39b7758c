"""Post-test attempts (drawn, graded and kept on the server) and evaluation submissions."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from campus.errors import UserError
from campus.extensions import db
from campus.models import utcnow
from course.assessment.models import (
    REPORTED_MINUTES_FIELD,
    REPORTED_MINUTES_PROMPT,
    REPORTED_MINUTES_RANGE,
    CourseAssessment,
    EvaluationResponse,
    PostTestAttempt,
    PostTestQuestion,
)
from course.assessment.queries import (
    attempt_questions,
    attempts_of,
    find_evaluation,
    get_assessment,
    posttest_status,
)
from course.models import Course

MAX_TEXT_ANSWER = 4000


def start_attempt(user, course: Course) -> PostTestAttempt:
    """Open an attempt (or return the unfinished one) with its questions drawn and ordered."""
    assessment = get_assessment(course.id)
    if assessment is None:
        raise UserError("This course has no post-test.", 404)
    status = posttest_status(user, course, assessment)
    unfinished = next((a for a in status.attempts if not a.is_submitted), None)
    if unfinished is not None:
        return unfinished
    if not status.can_start:
        raise UserError(status.reason, 403)
    questions = list(
        db.session.scalars(
            select(PostTestQuestion)
            .where(PostTestQuestion.course_id == course.id, PostTestQuestion.is_retired.is_(False))
            .order_by(PostTestQuestion.position)
        )
    )
    attempt = PostTestAttempt(
        user_id=user.id,
        course_id=course.id,
        number=len(status.attempts) + 1,
        layout=_layout(questions, assessment),
        pass_mark=float(assessment.setting("pass_mark")),
    )
    db.session.add(attempt)
    db.session.flush()  # the unique (user, course, number) stops a concurrent second start
    return attempt


def _layout(questions: list[PostTestQuestion], assessment: CourseAssessment) -> list[dict]:
    rng = secrets.SystemRandom()
    questions = _draw(questions, assessment, rng)
    if assessment.setting("shuffle"):
        questions = rng.sample(questions, len(questions))
    layout = []
    for question in questions:
        choice_ids = [c["id"] for c in question.choices]
        if assessment.setting("shuffle"):
            rng.shuffle(choice_ids)
        layout.append({"question": question.id, "choices": choice_ids})
    return layout


def _draw(questions: list[PostTestQuestion], assessment, rng) -> list[PostTestQuestion]:
    """The attempt's items in bank order: per_module N from each module (so every module is
    assessed in every attempt), else draw N from the whole bank, else the whole bank."""
    per_module, draw = assessment.setting("per_module"), assessment.setting("draw")
    if per_module:
        by_module: dict[str, list[PostTestQuestion]] = {}
        for question in questions:
            by_module.setdefault(question.module_key, []).append(question)
        drawn = [
            question
            for items in by_module.values()
            for question in rng.sample(items, min(per_module, len(items)))
        ]
        return sorted(drawn, key=lambda q: q.position)
    if draw and draw < len(questions):
        return sorted(rng.sample(questions, draw), key=lambda q: q.position)
    return questions


def submit_attempt(
    user, attempt: PostTestAttempt, answers: dict[str, list[str]]
) -> PostTestAttempt:
    """Grade on the server. Answers name question ids of this attempt and their choice ids.

    Refuses replays (already submitted), unknown questions and unknown choices: nothing is saved.
    """
    if attempt.user_id != user.id:
        raise UserError("This is not your attempt.", 403)
    if attempt.is_submitted:
        raise UserError("This attempt was already submitted.", 409)
    questions = attempt_questions(attempt)
    allowed = {str(q.id): {c["id"] for c in q.choices} for q, _ in questions}
    for key, chosen in answers.items():
        if key not in allowed:
            raise UserError("The answers name a question that is not part of this attempt.", 400)
        if not set(chosen) <= allowed[key]:
            raise UserError("The answers name a choice that does not exist.", 400)
    missed = [
        q.id for q, _ in questions if sorted(set(answers.get(str(q.id), []))) != sorted(q.correct)
    ]
    total = len(questions)
    score = round((total - len(missed)) / total, 4) if total else 0.0
    values = {
        "answers": {key: sorted(set(value)) for key, value in answers.items()},
        "missed": missed,
        "score": score,
        "is_passed": score + 1e-9 >= attempt.pass_mark,
        "submitted_at": utcnow(),
    }
    # Conditional on "not yet submitted": of two concurrent submissions only one is graded.
    result = db.session.execute(
        update(PostTestAttempt)
        .where(PostTestAttempt.id == attempt.id, PostTestAttempt.submitted_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise UserError("This attempt was already submitted.", 409)
    db.session.refresh(attempt)
    return attempt


def submit_evaluation(user, course: Course, raw: dict[str, str]) -> EvaluationResponse:
    """Keep the learner's evaluation; required after passing the post-test, once per course."""
    assessment = get_assessment(course.id)
    if assessment is None:
        raise UserError("This course has no evaluation.", 404)
    if not any(a.is_passed for a in attempts_of(user.id, course.id)):
        raise UserError("The evaluation opens after you pass the post-test.", 403)
    if find_evaluation(user.id, course.id) is not None:
        raise UserError("You already submitted the evaluation for this course.", 409)
    answers = clean_evaluation(assessment.evaluation_items, raw)
    minutes = clean_reported_minutes(raw.get(REPORTED_MINUTES_FIELD))
    response = EvaluationResponse(
        user_id=user.id, course_id=course.id, answers=answers, reported_minutes=minutes
    )
    db.session.add(response)
    db.session.flush()
    return response


def clean_evaluation(items: list[dict], raw: dict[str, str]) -> dict:
    """Validate every item; a missing required answer names the item."""
    answers: dict = {}
    for item in items:
        value = (raw.get(item["id"]) or "").strip()
        if not value:
            if item.get("required"):
                raise UserError(f"Please answer: {item['prompt']}", 400)
            continue
        if item["type"] == "rating":
            if not value.isdigit() or not 1 <= int(value) <= len(item["scale"]):
                raise UserError(f"Choose a rating for: {item['prompt']}", 400)
            answers[item["id"]] = int(value)
        else:
            answers[item["id"]] = value[:MAX_TEXT_ANSWER]
    return answers


def clean_reported_minutes(raw: str | None) -> int:
    """The learner's estimate of their time on the course: a whole number of minutes."""
    low, high = REPORTED_MINUTES_RANGE
    value = (raw or "").strip()
    if not value:
        raise UserError(f"Please answer: {REPORTED_MINUTES_PROMPT}", 400)
    if not value.isdigit() or not low <= int(value) <= high:
        raise UserError(
            f"{REPORTED_MINUTES_PROMPT} Give a whole number of minutes from {low} to {high}.",
            400,
        )
    return int(value)
