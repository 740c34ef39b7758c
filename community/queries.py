"""Read models for forum pages, each a fixed number of queries however many posts exist."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, select

from campus.accounts.models import User
from campus.extensions import db
from community.models import Category, Follow, Post, ReadMarker, Thread
from course.models import Lesson

FILTERS = ("all", "unanswered", "questions", "solved", "unsolved")


@dataclass
class ThreadRow:
    thread: Thread
    author_name: str
    category: Category
    last_read: int | None

    @property
    def unread(self) -> int:
        return self.thread.post_count - (self.last_read or 0)


def threads_per_page() -> int:
    return int(current_app.config.get("FORUM_THREADS_PER_PAGE", 30))


def posts_per_page() -> int:
    return int(current_app.config.get("FORUM_POSTS_PER_PAGE", 25))


def categories(course_id: int) -> list[Category]:
    return list(
        db.session.scalars(
            select(Category).where(Category.course_id == course_id).order_by(Category.position)
        )
    )


def _filtered(query, filter_name: str):
    if filter_name == "unanswered":
        return query.where(Thread.post_count <= 1)
    if filter_name == "questions":
        return query.where(Thread.is_question.is_(True))
    if filter_name == "solved":
        return query.where(Thread.accepted_post_id.is_not(None))
    if filter_name == "unsolved":
        return query.where(Thread.is_question.is_(True), Thread.accepted_post_id.is_(None))
    return query


def thread_list(
    course_id: int, user, *, category_id: int | None = None, filter_name: str = "all", page: int = 1
) -> tuple[list[ThreadRow], bool]:
    """Pinned first, then latest activity; one query, one row past the page says 'more'."""
    size = threads_per_page()
    query = (
        select(Thread, User.full_name, Category, ReadMarker.last_read_number)
        .join(User, User.id == Thread.author_id)
        .join(Category, Category.id == Thread.category_id)
        .outerjoin(
            ReadMarker, and_(ReadMarker.thread_id == Thread.id, ReadMarker.user_id == user.id)
        )
        .where(Thread.course_id == course_id)
        .order_by(Thread.is_pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
        .offset((page - 1) * size)
        .limit(size + 1)
    )
    if not user.is_staff:
        query = query.where(Thread.is_hidden.is_(False))
    if category_id is not None:
        query = query.where(Thread.category_id == category_id)
    rows = [ThreadRow(*row) for row in db.session.execute(_filtered(query, filter_name)).tuples()]
    return rows[:size], len(rows) > size


@dataclass
class PostRow:
    post: Post
    author: User


@dataclass
class ThreadPage:
    posts: list[PostRow]
    accepted: PostRow | None
    last_read: int
    is_following: bool
    page: int
    pages: int


def thread_page(thread: Thread, user, page: int) -> ThreadPage:
    """Posts numbered into pages: a range scan on (thread_id, number), authors joined."""
    size = posts_per_page()
    pages = max((thread.post_count + size - 1) // size, 1)
    page = min(max(page, 1), pages)
    first = (page - 1) * size + 1
    rows = (
        db.session.execute(
            select(Post, User)
            .join(User, User.id == Post.author_id)
            .where(Post.thread_id == thread.id, Post.number.between(first, first + size - 1))
            .order_by(Post.number)
        )
        .tuples()
        .all()
    )
    posts = [PostRow(post, author) for post, author in rows]
    accepted = next((r for r in posts if r.post.id == thread.accepted_post_id), None)
    if thread.accepted_post_id and accepted is None:
        row = (
            db.session.execute(
                select(Post, User)
                .join(User, User.id == Post.author_id)
                .where(Post.id == thread.accepted_post_id)
            )
            .tuples()
            .first()
        )
        accepted = PostRow(*row) if row else None
    marker = db.session.execute(
        select(
            ReadMarker.last_read_number,
            select(Follow.user_id)
            .where(Follow.user_id == user.id, Follow.thread_id == thread.id)
            .exists(),
        )
        .select_from(Thread)
        .outerjoin(
            ReadMarker, and_(ReadMarker.thread_id == Thread.id, ReadMarker.user_id == user.id)
        )
        .where(Thread.id == thread.id)
    ).first()
    return ThreadPage(
        posts=posts,
        accepted=accepted,
        last_read=(marker[0] or 0) if marker else 0,
        is_following=bool(marker and marker[1]),
        page=page,
        pages=pages,
    )


def lesson_threads(lesson_id: int, user) -> list[tuple[Thread, str]]:
    """Threads tied to a lesson, by moment in the video (one query)."""
    query = (
        select(Thread, User.full_name)
        .join(User, User.id == Thread.author_id)
        .where(Thread.lesson_id == lesson_id)
        .order_by(Thread.lesson_second, Thread.id)
        .limit(100)
    )
    if not user.is_staff:
        query = query.where(Thread.is_hidden.is_(False))
    return list(db.session.execute(query).tuples())


def lesson_for(course_id: int, slug: str | None) -> Lesson | None:
    if not slug:
        return None
    return db.session.scalar(
        select(Lesson).where(
            Lesson.course_id == course_id, Lesson.slug == slug, Lesson.is_published.is_(True)
        )
    )


def lesson_by_id(lesson_id: int) -> Lesson | None:
    return db.session.get(Lesson, lesson_id)


def revisions(post_id: int):
    """A post's earlier versions with their editors, newest first (one query)."""
    from community.models import PostRevision

    return (
        db.session.execute(
            select(PostRevision, User.full_name)
            .join(User, User.id == PostRevision.editor_id)
            .where(PostRevision.post_id == post_id)
            .order_by(PostRevision.id.desc())
        )
        .tuples()
        .all()
    )
