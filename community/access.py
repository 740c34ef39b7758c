"""Who may see and act in a course's forum: enrolled learners, instructors and admins."""

from __future__ import annotations

from typing import NamedTuple

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select

from campus.enrollment.queries import is_enrolled
from campus.extensions import db, login_manager
from community.models import Category, Post, Thread
from course.access import get_published_course, refuse_outsider
from course.models import Course


def can_use_forum(user, course: Course) -> bool:
    """Staff see every course's forum; learners only the forums of courses they are in."""
    if not user.is_authenticated:
        return False
    return user.is_staff or is_enrolled(user.id, course.id)


def get_forum_course(slug: str) -> Course:
    """The course whose forum the current user may open: 404 unknown, login, then 403."""
    course = get_published_course(slug)
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not can_use_forum(current_user, course):
        refuse_outsider(course)
    return course


THREAD_BY_ID = select(Thread).where(Thread.id == bindparam("thread_id"))


def get_thread(course: Course, thread_id: int) -> Thread:
    """A thread of this course; hidden threads exist only for staff."""
    thread = db.session.scalar(THREAD_BY_ID, {"thread_id": thread_id})
    if thread is None or thread.course_id != course.id:
        abort(404)
    if thread.is_hidden and not sees_hidden(current_user):
        abort(404)
    return thread


def get_post(course: Course, post_id: int) -> tuple[Thread, Post]:
    row = db.session.execute(
        select(Thread, Post).join(Post, Post.thread_id == Thread.id).where(Post.id == post_id)
    ).first()
    if row is None or row.Thread.course_id != course.id:
        abort(404)
    if row.Thread.is_hidden and not sees_hidden(current_user):
        abort(404)
    return row.Thread, row.Post


def get_category(course: Course, slug: str) -> Category:
    category = db.session.scalar(
        select(Category).where(Category.course_id == course.id, Category.slug == slug)
    )
    if category is None:
        abort(404)
    return category


def require_staff() -> None:
    if not can_moderate(current_user):
        abort(403)


# --- The forum's rules: their one home. Services enforce them, queries turn them into the
# flags templates read (PostRow.can_edit, ThreadPage.can_reply, ...). ---------------------


def resolved(user):
    """The user object behind Flask-Login's current_user proxy (or the user itself).

    Per-post rules on a page read the viewer hundreds of times; through the proxy each read
    is a context lookup (a 200-post thread page spent a fifth of its time there). Resolve it
    once per request, never across requests: a revoked role shows on the next request.
    """
    getter = getattr(user, "_get_current_object", None)
    return getter() if getter else user


class Viewer(NamedTuple):
    """The two facts the forum's rules read of a viewer, read once per request: a 200-post
    page asked the ORM user for its role about 600 times. Never kept past the request."""

    id: int
    is_staff: bool


def viewer(user) -> Viewer:
    user = resolved(user)
    return Viewer(user.id, user.is_staff)


def can_moderate(user) -> bool:
    """Instructors and admins moderate: pin, lock, hide, move, suspend, read histories."""
    return user.is_staff


def sees_hidden(user) -> bool:
    """Hidden threads and posts exist only for moderators."""
    return can_moderate(user)


def can_edit(user, post: Post) -> bool:
    return can_moderate(user) or post.author_id == user.id


def can_report(user, post: Post) -> bool:
    """Members report others' posts; moderators act on them directly instead."""
    return not can_moderate(user) and post.author_id != user.id


def can_suspend(user, author) -> bool:
    """Moderators suspend learners, never other staff."""
    return can_moderate(user) and not author.is_staff


def can_reply(user, thread: Thread) -> bool:
    """A locked thread takes replies from moderators only."""
    return not thread.is_locked or can_moderate(user)


def can_accept(user, thread: Thread) -> bool:
    """The asker or a moderator marks the answer that worked, on question threads."""
    return thread.is_question and (can_moderate(user) or user.id == thread.author_id)


def can_start_in(user, category: Category) -> bool:
    """Staff-only categories (Announcements) take new threads from staff alone."""
    return can_moderate(user) or not category.is_staff_only
