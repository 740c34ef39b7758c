"""Instructor views of the records: evaluation aggregates and export, post-test statistics."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func, select

from campus.accounts.models import User
from campus.exports import spreadsheet_cell
from campus.extensions import db
from course.assessment.models import EvaluationResponse, PostTestAttempt


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
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["learner_name", "email", "submitted_at", *[item["id"] for item in items]])
    rows = db.session.execute(
        select(EvaluationResponse, User.full_name, User.email)
        .join(User, User.id == EvaluationResponse.user_id)
        .where(EvaluationResponse.course_id == course_id)
        .order_by(EvaluationResponse.submitted_at)
    )
    for response, name, email in rows:
        values = [response.answers.get(item["id"], "") for item in items]
        writer.writerow(
            [spreadsheet_cell(v) for v in (name, email, response.submitted_at.isoformat(), *values)]
        )
    return out.getvalue()
