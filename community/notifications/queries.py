"""Reads about notifications: the bell's count, a member's recent list, their email choice.

What a member may be told is decided when a notification is read or emailed (`visible`),
not only when it was made: hidden posts and courses left since stay quiet.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, literal, or_, select

from campus.accounts.models import User
from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.extensions import db
from community.models import DEFAULT_EMAIL_MODE, Member, Notification, Post, Thread
from course.models import Course


def _not_hidden():
    """Neither the notification's thread nor its post has been hidden by a moderator."""
    hidden_thread = (
        select(Thread.id)
        .where(Thread.id == Notification.thread_id, Thread.is_hidden.is_(True))
        .correlate(Notification)
    )
    hidden_post = (
        select(Post.id)
        .where(Post.id == Notification.post_id, Post.is_hidden.is_(True))
        .correlate(Notification)
    )
    return and_(~hidden_thread.exists(), ~hidden_post.exists())


def _still_in_course():
    """The notified member is still enrolled in the thread's course (not withdrawn)."""
    return (
        select(Enrollment.id)
        .join(Thread, Thread.course_id == Enrollment.course_id)
        .where(
            Thread.id == Notification.thread_id,
            Enrollment.user_id == Notification.user_id,
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
        )
        .correlate(Notification)
        .exists()
    )


def visible(is_staff) -> object:
    """What a notification may show, checked when it is read or emailed, not only when made.

    Staff see everything. Members are not told about hidden threads or posts (not even
    their titles), nor about a course's forum once they have left the course.
    `is_staff` is a bool for one viewer, or a SQL expression for many (digests).
    """
    member_may_see = and_(_not_hidden(), _still_in_course())
    if isinstance(is_staff, bool):
        return literal(True) if is_staff else member_may_see
    return or_(is_staff, member_may_see)


def _unread_count_statement(is_staff: bool):
    return select(func.count(Notification.id)).where(
        Notification.user_id == bindparam("user_id"),
        Notification.read_at.is_(None),
        visible(is_staff),
    )


# The bell is on every signed-in page: its statement is built once for staff and once for
# members (building it and its cache key per request cost more than running it).
UNREAD_COUNT = {True: _unread_count_statement(True), False: _unread_count_statement(False)}


def unread_count(user_id: int, is_staff: bool = False) -> int:
    return db.session.scalar(UNREAD_COUNT[bool(is_staff)], {"user_id": user_id}) or 0


def recent(user_id: int, is_staff: bool = False, limit: int = 50):
    """A member's latest notifications with thread, course, actor and post number (one query)."""
    actor = User.__table__.alias("actor")
    return (
        db.session.execute(
            select(Notification, Thread.title, Course.slug, actor.c.full_name, Post.number)
            .join(Thread, Thread.id == Notification.thread_id)
            .join(Course, Course.id == Thread.course_id)
            .outerjoin(actor, actor.c.id == Notification.actor_id)
            .outerjoin(Post, Post.id == Notification.post_id)
            .where(Notification.user_id == user_id, visible(is_staff))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
        .tuples()
        .all()
    )


def email_mode(user_id: int) -> str:
    member = db.session.get(Member, user_id)
    return member.email_mode if member else DEFAULT_EMAIL_MODE
