"""Reads about enrollment: one learner's row in one course, and whether it is active."""

from __future__ import annotations

from sqlalchemy import select

from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.extensions import db


def find_enrollment(user_id: int, course_id: int) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course_id)
    )


def is_enrolled(user_id: int, course_id: int) -> bool:
    enrollment = find_enrollment(user_id, course_id)
    return enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN
