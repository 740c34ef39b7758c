"""Post-test questions (imported, retired never deleted), attempts, evaluation responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campus.extensions import db
from campus.models import utcnow

# The evaluation's built-in question, asked of every course: the form field and its bounds
# (a minute to 100 hours; the first course is under 7 hours of video).
REPORTED_MINUTES_FIELD = "minutes_taken"
REPORTED_MINUTES_PROMPT = "About how many minutes did the course take you?"
REPORTED_MINUTES_RANGE = (1, 6000)

DEFAULT_POSTTEST: dict[str, Any] = {
    "pass_mark": 0.8,
    "attempts": 2,
    "draw": None,
    # N: every attempt draws N items from each module's items (a stratified draw).
    "per_module": None,
    "shuffle": True,
    "show_feedback": "missed",
    # False: a failed first attempt shows its score only, so the second attempt is not
    # answered from the first one's per-item feedback; later attempts follow show_feedback.
    "item_feedback_after_first_failure": False,
    "after_last_failure": "rewatch",
}


class CourseAssessment(db.Model):
    """A course's post-test settings and evaluation items, as imported from the content files."""

    __tablename__ = "course_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), unique=True)
    posttest_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    evaluation_items: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def setting(self, name: str) -> Any:
        return (self.posttest_settings or {}).get(name, DEFAULT_POSTTEST.get(name))


class PostTestQuestion(db.Model):
    __tablename__ = "posttest_questions"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    objective: Mapped[str] = mapped_column(String(200), default="")
    prompt: Mapped[str] = mapped_column(Text)
    # [{"id": "a", "text": "..."}]; correct holds the right choice ids (one or several).
    choices: Mapped[list] = mapped_column(JSON, default=list)
    correct: Mapped[list] = mapped_column(JSON, default=list)
    feedback: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # The lesson the item assesses and its module (slugs, as in course.yml): per_module
    # draws stratify on module_key. Empty for items written without a lesson.
    lesson_key: Mapped[str] = mapped_column(String(100), default="", server_default="")
    module_key: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # Attempts reference questions, so a question removed from the files is retired.
    is_retired: Mapped[bool] = mapped_column(default=False)


class PostTestAttempt(db.Model):
    """One try at the post-test. The drawn questions and choice order are fixed at start."""

    __tablename__ = "posttest_attempts"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int]
    # [{"question": id, "choices": [choice ids in display order]}]
    layout: Mapped[list] = mapped_column(JSON, default=list)
    # {question id (str): [chosen choice ids]}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    missed: Mapped[list] = mapped_column(JSON, default=list)
    score: Mapped[float | None]
    pass_mark: Mapped[float] = mapped_column(default=0.8)
    is_passed: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class EvaluationResponse(db.Model):
    """A learner's course evaluation: one per learner and course, kept for audits."""

    __tablename__ = "evaluation_responses"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    # {item id: rating int or text}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # "About how many minutes did the course take you?": set beside the measured
    # time-on-task on the staff pages. None for responses from before it was asked.
    reported_minutes: Mapped[int | None]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
