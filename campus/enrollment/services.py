"""Enrollment verbs: they flush, the caller commits."""

from __future__ import annotations

from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.enrollment.queries import find_enrollment
from campus.errors import UserError
from campus.extensions import db


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
