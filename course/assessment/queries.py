"""Instructor views of the records: evaluation aggregates and export, post-test statistics."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field

from sqlalchemy import func, select

from campus.accounts.models import User
from campus.exports import spreadsheet_cell
from campus.extensions import db
from course.assessment import item_analysis
from course.assessment.models import (
    CourseAssessment,
    EvaluationResponse,
    PostTestAttempt,
    PostTestQuestion,
)
from course.models import Course, Lesson
from course.progress.models import LessonProgress, TimeOnTask
from course.progress.queries import required_lessons_complete


@dataclass
class ItemSummary:
    item: dict
    count: int = 0
    mean: float | None = None
    distribution: list[int] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def evaluation_summary(course_id: int, items: list[dict]) -> tuple[int, list[ItemSummary]]:
    """(responses, per-item aggregates) in one query."""
    responses = list(
        db.session.scalars(
            select(EvaluationResponse.answers).where(EvaluationResponse.course_id == course_id)
        )
    )
    summaries = []
    for item in items:
        summary = ItemSummary(item, distribution=[0] * len(item.get("scale", [])))
        values = [r.get(item["id"]) for r in responses if r.get(item["id"]) not in (None, "")]
        summary.count = len(values)
        if item["type"] == "rating":
            for value in values:
                if 1 <= int(value) <= len(summary.distribution):
                    summary.distribution[int(value) - 1] += 1
            summary.mean = round(sum(int(v) for v in values) / len(values), 2) if values else None
        else:
            summary.comments = [str(v) for v in values]
        summaries.append(summary)
    return len(responses), summaries


def posttest_summary(course_id: int) -> dict:
    row = db.session.execute(
        select(
            func.count(PostTestAttempt.id),
            func.count(func.distinct(PostTestAttempt.user_id)),
            func.avg(PostTestAttempt.score),
        ).where(PostTestAttempt.course_id == course_id, PostTestAttempt.submitted_at.is_not(None))
    ).one()
    passed = db.session.scalar(
        select(func.count(func.distinct(PostTestAttempt.user_id))).where(
            PostTestAttempt.course_id == course_id, PostTestAttempt.is_passed.is_(True)
        )
    )
    return {"attempts": row[0], "learners": row[1], "mean_score": row[2], "passed": passed}


def evaluation_csv(course_id: int, items: list[dict]) -> str:
    """Every response, with the learner's reported minutes beside their measured
    time-on-task (real viewing minutes from the ledger), in two queries."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "learner_name",
            "email",
            "submitted_at",
            "reported_minutes",
            "measured_minutes",
            *[item["id"] for item in items],
        ]
    )
    measured = measured_minutes(course_id)
    rows = db.session.execute(
        select(EvaluationResponse, User.full_name, User.email)
        .join(User, User.id == EvaluationResponse.user_id)
        .where(EvaluationResponse.course_id == course_id)
        .order_by(EvaluationResponse.submitted_at)
    )
    for response, name, email in rows:
        values = [response.answers.get(item["id"], "") for item in items]
        reported = response.reported_minutes
        cells = (
            name,
            email,
            response.submitted_at.isoformat(),
            "" if reported is None else reported,
            round(measured.get(response.user_id, 0.0)),
            *values,
        )
        writer.writerow([spreadsheet_cell(v) for v in cells])
    return out.getvalue()


def measured_minutes(course_id: int) -> dict[int, float]:
    """Each learner's time-on-task in the course: real viewing minutes from the ledger."""
    rows = db.session.execute(
        select(TimeOnTask.user_id, func.sum(func.coalesce(TimeOnTask.real_seconds, 0.0)))
        .where(TimeOnTask.course_id == course_id)
        .group_by(TimeOnTask.user_id)
    )
    return {user_id: float(seconds or 0.0) / 60 for user_id, seconds in rows}


@dataclass(frozen=True)
class TimeComparison:
    """What learners say the course took beside what the ledger measured, for the staff."""

    answers: int  # responses that give a figure
    median_reported: float | None  # minutes
    median_measured: float | None  # minutes of real viewing time, same learners
    video_minutes: float  # the published lessons' media time

    @property
    def ratio(self) -> float | None:
        if not self.median_reported or not self.median_measured:
            return None
        return round(self.median_reported / self.median_measured, 2)


def time_comparison(course_id: int) -> TimeComparison:
    """Reported against measured minutes over the learners who answered (three queries)."""
    reported = dict(
        db.session.execute(
            select(EvaluationResponse.user_id, EvaluationResponse.reported_minutes).where(
                EvaluationResponse.course_id == course_id,
                EvaluationResponse.reported_minutes.is_not(None),
            )
        )
        .tuples()
        .all()
    )
    measured = measured_minutes(course_id)
    video_seconds = db.session.scalar(
        select(func.coalesce(func.sum(Lesson.duration_seconds), 0.0)).where(
            Lesson.course_id == course_id, Lesson.is_published.is_(True)
        )
    )
    return TimeComparison(
        answers=len(reported),
        median_reported=statistics.median(reported.values()) if reported else None,
        median_measured=(
            round(statistics.median(measured.get(u, 0.0) for u in reported), 1)
            if reported
            else None
        ),
        video_minutes=round(float(video_seconds or 0.0) / 60, 1),
    )


@dataclass
class PostTestStatus:
    attempts: list[PostTestAttempt]
    limit: int
    is_passed: bool
    can_start: bool
    reason: str  # why a new attempt cannot start, for the learner


def get_assessment(course_id: int) -> CourseAssessment | None:
    return db.session.scalar(
        select(CourseAssessment).where(CourseAssessment.course_id == course_id)
    )


def attempts_of(user_id: int, course_id: int) -> list[PostTestAttempt]:
    return list(
        db.session.scalars(
            select(PostTestAttempt)
            .where(PostTestAttempt.user_id == user_id, PostTestAttempt.course_id == course_id)
            .order_by(PostTestAttempt.number)
        )
    )


def posttest_status(user, course: Course, assessment: CourseAssessment) -> PostTestStatus:
    """Whether a new attempt may start: lessons complete, not passed, attempts left."""
    attempts = attempts_of(user.id, course.id)
    limit = int(assessment.setting("attempts"))
    passed = any(a.is_passed for a in attempts)
    submitted = [a for a in attempts if a.is_submitted]
    reason = ""
    if passed:
        reason = "You passed the post-test."
    elif not required_lessons_complete(user.id, course.id):
        reason = "The post-test opens when you have watched every lesson."
    elif submitted and len(submitted) % limit == 0 and len(submitted) == len(attempts):
        reason = _after_last_failure(user, course, assessment, submitted[-1])
    return PostTestStatus(attempts, limit, passed, can_start=not reason, reason=reason)


def _after_last_failure(user, course, assessment, last: PostTestAttempt) -> str:
    """Every attempt of the round failed: locked, or open again once the lessons are rewatched."""
    if assessment.setting("after_last_failure") == "rewatch" and _rewatched_since(
        user.id, course.id, last
    ):
        return ""
    if assessment.setting("after_last_failure") == "rewatch":
        return (
            "You have used every attempt. Watch every lesson again to unlock "
            f"{int(assessment.setting('attempts'))} more attempt(s)."
        )
    return "You have used every attempt. Please contact the course provider."


def _rewatched_since(user_id: int, course_id: int, last: PostTestAttempt) -> bool:
    """True when every published lesson has watch progress recorded after the last failure."""
    lesson_count, fresh = db.session.execute(
        select(func.count(Lesson.id), func.count(LessonProgress.id))
        .outerjoin(
            LessonProgress,
            (LessonProgress.lesson_id == Lesson.id)
            & (LessonProgress.user_id == user_id)
            & (LessonProgress.updated_at > last.submitted_at)
            & LessonProgress.completed_at.is_not(None),
        )
        .where(Lesson.course_id == course_id, Lesson.is_published.is_(True))
    ).one()
    return lesson_count > 0 and fresh == lesson_count


def questions_per_attempt(course_id: int, assessment: CourseAssessment) -> int:
    """How many questions an attempt shows: per_module from each module, or the draw, or
    the bank's active items (one query)."""
    per_module_counts = db.session.execute(
        select(PostTestQuestion.module_key, func.count(PostTestQuestion.id))
        .where(PostTestQuestion.course_id == course_id, PostTestQuestion.is_retired.is_(False))
        .group_by(PostTestQuestion.module_key)
    ).all()
    per_module = assessment.setting("per_module")
    if per_module:
        return sum(min(per_module, count) for _, count in per_module_counts)
    bank = sum(count for _, count in per_module_counts)
    draw = assessment.setting("draw")
    return min(bank, draw) if draw else bank


def feedback_mode(assessment: CourseAssessment, attempt: PostTestAttempt) -> str:
    """What a submitted attempt's page shows: "score" (the score only) for a failed first
    attempt unless the course opts in to item feedback there, else show_feedback."""
    first_failure = attempt.number == 1 and attempt.is_submitted and not attempt.is_passed
    if first_failure and not assessment.setting("item_feedback_after_first_failure"):
        return "score"
    return assessment.setting("show_feedback")


def attempt_questions(attempt: PostTestAttempt) -> list[tuple[PostTestQuestion, list[dict]]]:
    """The attempt's questions in its order, each with its choices in display order."""
    ids = [item["question"] for item in attempt.layout]
    by_id = {
        q.id: q
        for q in db.session.scalars(select(PostTestQuestion).where(PostTestQuestion.id.in_(ids)))
    }
    result = []
    for item in attempt.layout:
        question = by_id[item["question"]]
        texts = {c["id"]: c for c in question.choices}
        result.append((question, [texts[c] for c in item["choices"] if c in texts]))
    return result


def find_evaluation(user_id: int, course_id: int) -> EvaluationResponse | None:
    return db.session.scalar(
        select(EvaluationResponse).where(
            EvaluationResponse.user_id == user_id, EvaluationResponse.course_id == course_id
        )
    )


@dataclass
class ItemAnalysis:
    learners: int  # first attempts analysed
    items: list[item_analysis.ItemResult]
    objectives: list[item_analysis.ObjectiveResult]
    flag_counts: dict[str, int]
    min_responses: int


def item_analysis_page(course_id: int) -> ItemAnalysis:
    """Item analysis of each learner's first submitted attempt, in two queries."""
    questions = db.session.scalars(
        select(PostTestQuestion)
        .where(PostTestQuestion.course_id == course_id)
        .order_by(PostTestQuestion.is_retired, PostTestQuestion.position)
    ).all()
    items = [
        item_analysis.Item(
            id=q.id,
            key=q.key,
            objective=q.objective,
            prompt=q.prompt,
            choices=tuple(c["id"] for c in q.choices),
            correct=frozenset(q.correct),
        )
        for q in questions
    ]
    first = (
        select(PostTestAttempt.user_id, func.min(PostTestAttempt.number).label("number"))
        .where(PostTestAttempt.course_id == course_id, PostTestAttempt.submitted_at.is_not(None))
        .group_by(PostTestAttempt.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(PostTestAttempt.layout, PostTestAttempt.answers)
        .join(
            first,
            (first.c.user_id == PostTestAttempt.user_id)
            & (first.c.number == PostTestAttempt.number),
        )
        .where(PostTestAttempt.course_id == course_id)
        .order_by(PostTestAttempt.id)
    ).all()
    attempts = [
        item_analysis.Answers(
            shown=tuple(entry["question"] for entry in layout),
            picked={int(key): frozenset(value) for key, value in (answers or {}).items()},
        )
        for layout, answers in rows
    ]
    results = item_analysis.analyse(items, attempts)
    return ItemAnalysis(
        learners=len(attempts),
        items=results,
        objectives=item_analysis.by_objective(results),
        flag_counts=item_analysis.flag_counts(results),
        min_responses=item_analysis.MIN_RESPONSES,
    )


ITEM_CSV_HEADER = (
    "key",
    "objective",
    "prompt",
    "correct_choices",
    "responses",
    "difficulty",
    "point_biserial",
    "upper_lower",
    "choice_counts",
    "blank",
    "flags",
)


def item_analysis_csv(page: ItemAnalysis) -> str:
    """One row per item; text cells are spreadsheet-safe (no formula can run)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ITEM_CSV_HEADER)
    for r in page.items:
        counts = " ".join(f"{choice}={count}" for choice, count in r.choice_counts.items())
        writer.writerow(
            [
                spreadsheet_cell(r.item.key),
                spreadsheet_cell(r.item.objective),
                spreadsheet_cell(r.item.prompt),
                spreadsheet_cell(",".join(sorted(r.item.correct))),
                r.responses,
                _decimal(r.difficulty),
                _decimal(r.point_biserial),
                _decimal(r.upper_lower),
                spreadsheet_cell(counts),
                r.blank,
                spreadsheet_cell("; ".join(r.flags)),
            ]
        )
    return out.getvalue()


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
