"""Who may see a course's lessons and media (enrolled learners, instructors and admins), and
the loaders that answer 404 or 403 for a course, a lesson or a learner of a course."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import and_, bindparam, select

from campus.accounts.models import User
from campus.enrollment.models import Enrollment
from campus.enrollment.queries import is_enrolled
from campus.extensions import db, login_manager
from course.models import Course, Lesson


def can_view_lessons(user, course: Course) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_staff or is_enrolled(user.id, course.id)


COURSE_BY_SLUG = select(Course).where(Course.slug == bindparam("slug"))
# A course and one of its lessons by their slugs in one statement (None for no such lesson).
COURSE_AND_LESSON = (
    select(Course, Lesson)
    .outerjoin(Lesson, and_(Lesson.course_id == Course.id, Lesson.slug == bindparam("lesson")))
    .where(Course.slug == bindparam("course"))
)


def get_published_course(slug: str) -> Course:
    course = db.session.scalar(COURSE_BY_SLUG, {"slug": slug})
    _check_published(course)
    return course


def _check_published(course: Course | None) -> None:
    """404 for no course, and for an unpublished one unless the viewer is staff."""
    if course is None or not (course.is_published or current_user.is_staff):
        abort(404)


def require_staff(*, admin_only: bool = False) -> None:
    """Staff pages: instructors and admins read them; some actions are for admins only."""
    if not (current_user.is_admin if admin_only else current_user.is_staff):
        abort(403)


def get_staff_course(slug: str, *, admin_only: bool = False) -> Course:
    """A course for its staff pages: 403 for others (login is the view's decorator)."""
    require_staff(admin_only=admin_only)
    return get_published_course(slug)


def get_viewable_lesson(course_slug: str, lesson_slug: str) -> tuple[Course, Lesson]:
    """Load a lesson the current user may open; anonymous users are asked to log in.

    The checks run in get_published_course's order (no such course, then login, then no
    such lesson, then enrollment) on one statement's answer."""
    row = db.session.execute(COURSE_AND_LESSON, {"course": course_slug, "lesson": lesson_slug})
    course, lesson = row.first() or (None, None)
    _check_published(course)
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if lesson is None or not (lesson.is_published or current_user.is_staff):
        abort(404)
    if not can_view_lessons(current_user, course):
        refuse_outsider(course)
    return course, lesson


def get_course_learner(course: Course, user_id: int) -> User:
    """A user who enrolled in this course, for staff pages about them; 404 for anyone else.

    A withdrawn learner is still found: their time on task and refusals stay part of the
    course's audit trail. A user who never enrolled here has no records in it to show.
    """
    learner = db.session.scalar(
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(User.id == user_id, Enrollment.course_id == course.id)
    )
    if learner is None:
        abort(404)
    return learner


def refuse_outsider(course: Course) -> NoReturn:
    """A signed-in member outside the course: a page they opened (a browser navigation)
    takes them to the course page, where they can enroll; anything else gets 403."""
    if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
        flash(f"Enroll in {course.title} to open its lessons, forum and post-test.", "info")
        abort(redirect(url_for("course.course_page", slug=course.slug)))
    abort(403)
