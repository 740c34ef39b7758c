"""Enrollment: which learner takes which course, since when, and in what state."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from campus.errors import UserError
from campus.extensions import db
from campus.models import utcnow


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=EnrollmentStatus.ACTIVE.value)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)


def find_enrollment(user_id: int, course_id: int) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course_id)
    )


def is_enrolled(user_id: int, course_id: int) -> bool:
    enrollment = find_enrollment(user_id, course_id)
    return enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN


def enroll(user, course_id: int, *, is_open: bool) -> Enrollment:
    """Enroll a learner; enrolling twice returns the existing enrollment.

    A withdrawn enrollment is reactivated, keeping its original date.
    """
    enrollment = find_enrollment(user.id, course_id)
    if enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN:
        return enrollment
    if not is_open:
        raise UserError("This course is not open for enrollment.")
    if enrollment is None:
        enrollment = Enrollment(user_id=user.id, course_id=course_id)
        db.session.add(enrollment)
    enrollment.status = EnrollmentStatus.ACTIVE.value
    db.session.flush()
    return enrollment
