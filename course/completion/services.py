"""Staff verbs on a learner's way through the course: a reminder to a learner who stalled."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from campus.audit.models import AuditEntry
from campus.audit.services import record
from campus.database import begin_write
from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.errors import UserError
from campus.extensions import db
from campus.jobs.services import enqueue
from campus.timezones import local_time
from course.completion.queries import REMINDER_ACTION
from course.models import Course

#: One reminder per learner and course in this long: a nudge, never a stream of mail.
REMINDER_INTERVAL = timedelta(days=3)


def remind_learner(actor, course: Course, learner, now: datetime) -> AuditEntry:
    """Record a reminder to an enrolled learner and queue its email (sent after the commit).

    The audit row is the rate limit's memory: it survives restarts and is shared by every
    worker. The learner's enrollment row is locked first (FOR UPDATE on PostgreSQL, the
    write transaction on SQLite), so two clicks at once send one reminder, not two.
    """
    begin_write()
    enrollment = db.session.scalar(
        select(Enrollment)
        .where(Enrollment.user_id == learner.id, Enrollment.course_id == course.id)
        .with_for_update()
    )
    if enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise UserError(f"{learner.full_name} is not enrolled in {course.title}.", 409)
    if learner.is_disabled:
        raise UserError(f"{learner.full_name}'s account is disabled; no reminder is sent.", 409)
    last = last_reminded_at(course.id, learner.id)
    if last is not None and last > now - REMINDER_INTERVAL:
        raise UserError(
            f"{learner.full_name} was reminded {local_time(last, user=actor)}; "
            f"another reminder can go from {local_time(last + REMINDER_INTERVAL, user=actor)}.",
            429,
        )
    entry = record(
        actor,
        REMINDER_ACTION,
        "user",
        learner.id,
        course_id=course.id,
        note=f"Reminder emailed to {learner.email}",
    )
    enqueue("completion.reminder_email", course.id, learner.id, key=f"reminder:{entry.id}")
    return entry


def last_reminded_at(course_id: int, learner_id: int) -> datetime | None:
    return db.session.scalar(
        select(func.max(AuditEntry.created_at)).where(
            AuditEntry.action == REMINDER_ACTION,
            AuditEntry.course_id == course_id,
            AuditEntry.target_type == "user",
            AuditEntry.target_id == learner_id,
        )
    )
