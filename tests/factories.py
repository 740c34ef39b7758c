"""Every test factory in one place: plain make_* functions that write rows and commit.

Accounts and enrollments, the fixture courses, forum threads and replies, and a learner
brought to each step of the CE gate. Request helpers (login, post, query counting) live
in tests/helpers.py; page-level steps (taking the post-test) beside the tests that use them.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from campus.accounts.models import Role, User
from campus.enrollment.models import Enrollment
from campus.extensions import db
from campus.models import utcnow
from community import services as forum_services
from community.models import Category, Post, Thread
from course.assessment.models import EvaluationResponse, PostTestAttempt
from course.models import Lesson
from course.progress.models import LessonProgress

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"


PASSWORD = "correct horse battery staple"


_counter = itertools.count(1)


def make_user(
    role: Role | str = Role.LEARNER,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    license: tuple[str, str] | None = ("NY", "012345"),
    confirmed: bool = True,
) -> User:
    """An account; a learner has a license by default (the CE gate asks for one), pass
    license=None for one who has not given it yet."""
    number = next(_counter)
    user = User(
        email=email or f"user{number}@example.com",
        full_name=name or f"Test User {number}",
        role=Role(role).value,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    if license is not None and Role(role) == Role.LEARNER:
        user.license_state, user.license_number = license
    user.password_hash = _password_hash(password)
    db.session.add(user)
    db.session.commit()
    return user


@lru_cache(maxsize=8)
def _password_hash(password: str) -> str:
    """Hash each test password once; scrypt is slow on purpose."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


def import_fixture_course(slug: str = "test-course", content_dir: Path = FIXTURE_CONTENT):
    from course.importer.sync_course import import_course
    from course.models import Course

    import_course(content_dir / slug)
    db.session.commit()
    return db.session.scalar(select(Course).where(Course.slug == slug))


def make_enrollment(user: User, course) -> Enrollment:
    enrollment = Enrollment(user_id=user.id, course_id=course.id)
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def category(course, slug: str = "problem-solving") -> Category:
    return db.session.scalar(
        select(Category).where(Category.course_id == course.id, Category.slug == slug)
    )


def learner_in(course, **kwargs):
    user = make_user(Role.LEARNER, **kwargs)
    make_enrollment(user, course)
    return user


def make_thread(
    course,
    author,
    *,
    title: str = "How do I push in?",
    body: str = "Question **body**",
    slug: str = "problem-solving",
    is_question: bool = False,
    **kwargs,
) -> Thread:
    thread = forum_services.start_thread(
        author, course, category(course, slug), title, body, is_question=is_question, **kwargs
    )
    db.session.commit()
    return thread


def add_replies(thread: Thread, authors, count: int, body: str = "A reply with *Markdown*") -> None:
    """Many replies quickly: bypass the rate limit by inserting rows as the service would."""
    body = forum_services.clean_text(body)
    first = thread.post_count + 1
    html = forum_services.render(body)
    for offset in range(count):
        author = authors[offset % len(authors)]
        db.session.add(
            Post(
                thread_id=thread.id,
                author_id=author.id,
                number=first + offset,
                body_source=body,
                body_html=html,
                search_text=body,
            )
        )
    thread.post_count += count
    db.session.commit()


def lesson_named(course, slug: str = "lesson-one") -> Lesson:
    return db.session.scalar(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == slug)
    )


def import_ce_course():
    return import_fixture_course("ce-course")


def make_ready_for_certificate(user, course, score: float = 0.9) -> None:
    """Lessons complete, post-test passed and evaluation submitted, directly in the database."""
    complete_lessons(user, course)
    db.session.add(
        PostTestAttempt(
            user_id=user.id,
            course_id=course.id,
            number=1,
            layout=[],
            answers={},
            score=score,
            pass_mark=0.8,
            is_passed=True,
            submitted_at=utcnow(),
        )
    )
    db.session.add(
        EvaluationResponse(user_id=user.id, course_id=course.id, answers={"relevant": 5})
    )
    db.session.commit()


def make_certified(user, course):
    """Every step done directly in the database, then the certificate issued by the service."""
    from course.certificates.services import issue_certificate

    make_ready_for_certificate(user, course)
    certificate, _ = issue_certificate(user, course)
    db.session.commit()
    return certificate


def complete_lessons(user, course, count: int | None = None) -> None:
    """Mark lessons complete the way the progress tracker does: a row with completed_at."""
    lessons = db.session.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).all()
    for lesson in lessons[:count]:
        db.session.add(
            LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                course_id=course.id,
                watched_seconds=lesson.duration_seconds,
                viewing_seconds=lesson.duration_seconds,
                completed_at=utcnow(),
            )
        )
    db.session.commit()


def bulk_certified_learners(course, count: int, days: int = 3) -> None:
    """``count`` enrolled, certified learners inserted in bulk (a few statements whatever
    the count), each with time on task on ``days`` days, a passed attempt and an
    evaluation, for query-count tests and bench/packet_bench.py. One learner is certified
    by the service first; the others copy its snapshot under their own names and codes."""
    from datetime import timedelta

    from sqlalchemy import insert

    from course.certificates.models import Certificate
    from course.certificates.services import new_code
    from course.progress.models import TimeOnTask

    template = make_certified(make_user(name="Template Learner"), course)
    lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id))
    start = next(_counter) * 1_000_000
    users = [
        {"email": f"bulk{start + i}@example.com", "full_name": f"Bulk Learner {i}",
         "password_hash": "x", "role": "learner", "license_state": "FL",
         "license_number": f"OT{start + i}", "email_confirmed_at": utcnow(),
         "session_token": f"t{start + i}", "is_disabled": False, "created_at": utcnow()}
        for i in range(count - 1)
    ]  # fmt: skip
    ids = [template.user_id] + list(
        db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), users)
    )
    today = utcnow().date()
    now = utcnow()
    db.session.execute(insert(Enrollment), [
        {"user_id": uid, "course_id": course.id, "status": "active", "enrolled_at": now}
        for uid in ids[1:]])  # fmt: skip
    db.session.execute(insert(TimeOnTask), [
        {"user_id": uid, "lesson_id": lesson.id, "course_id": course.id,
         "day": today - timedelta(days=d), "credited_seconds": 600.0, "real_seconds": 600.0}
        for uid in ids for d in range(days)])  # fmt: skip
    db.session.execute(insert(PostTestAttempt), [
        {"user_id": uid, "course_id": course.id, "number": 1, "layout": [], "answers": {},
         "missed": [], "score": 0.9, "pass_mark": 0.8, "is_passed": True, "started_at": now,
         "submitted_at": now} for uid in ids[1:]])  # fmt: skip
    db.session.execute(insert(EvaluationResponse), [
        {"user_id": uid, "course_id": course.id, "answers": {"relevant": 5},
         "reported_minutes": 400, "submitted_at": now} for uid in ids[1:]])  # fmt: skip
    db.session.execute(insert(Certificate), [
        {"code": new_code(), "user_id": uid, "course_id": course.id, "sequence": 1,
         "snapshot": {**template.snapshot, "learner_name": f"Bulk Learner {i}"},
         "contact_hours": template.contact_hours, "issued_at": now, "completed_at": now,
         "revoked_reason": ""}
        for i, uid in enumerate(ids[1:])])  # fmt: skip
    db.session.commit()
