"""Forum verbs: seed categories, start threads, reply, accept answers, edit, mark read.

Each takes the acting user explicitly, flushes and never commits; problems a member can
fix are raised as UserError. Markdown is rendered once here, at write time.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from campus.audit.services import record
from campus.database import insert_for
from campus.errors import UserError
from campus.extensions import db
from campus.markup import render_markdown
from campus.models import utcnow
from community.access import can_accept, can_edit, can_moderate, can_reply, can_start_in
from community.models import Category, Follow, Post, PostRevision, ReadMarker, Thread
from community.moderation.services import check_can_edit, check_can_post
from community.notifications import services as notifications
from community.text import clean_text
from course.models import Course, Lesson

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_SUMMARY = 1_000


def render(source: str) -> str:
    """The one way forum text becomes HTML: campus.markup, at write time."""
    return str(render_markdown(source))


def _clean_body(body: str) -> str:
    body = clean_text(body).strip()
    if not body:
        raise UserError("Write something before posting.")
    if len(body) > MAX_BODY:
        raise UserError(f"Posts are limited to {MAX_BODY:,} characters.")
    return body


def _clean_title(title: str) -> str:
    title = " ".join(clean_text(title).split())
    if not title:
        raise UserError("Give the thread a title.")
    if len(title) > MAX_TITLE:
        raise UserError(f"Titles are limited to {MAX_TITLE} characters.")
    return title


def _search_text(title: str | None, body: str) -> str:
    return f"{title}\n{body}" if title else body


def start_thread(
    user,
    course: Course,
    category: Category,
    title: str,
    body: str,
    *,
    is_question: bool = False,
    lesson: Lesson | None = None,
    second: float | None = None,
) -> Thread:
    """Open a thread with its first post; the author follows it from then on."""
    if category.course_id != course.id:
        raise UserError("That category belongs to another course.", 404)
    if not can_start_in(user, category):
        raise UserError(f"Only instructors start threads in {category.title}.", 403)
    check_can_post(user)
    title, body = _clean_title(title), _clean_body(body)
    now = utcnow()
    thread = Thread(
        course_id=course.id,
        category_id=category.id,
        author_id=user.id,
        title=title,
        is_question=is_question,
        post_count=1,
        created_at=now,
        last_post_at=now,
    )
    if lesson is not None:
        if lesson.course_id != course.id:
            raise UserError("That lesson belongs to another course.", 404)
        thread.lesson_id = lesson.id
        limit = int(lesson.duration_seconds or 0)
        thread.lesson_second = (
            min(max(int(second or 0), 0), limit) if limit else max(int(second or 0), 0)
        )
    db.session.add(thread)
    db.session.flush()
    post = Post(
        thread_id=thread.id,
        author_id=user.id,
        number=1,
        body_source=body,
        body_html=render(body),
        search_text=_search_text(title, body),
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    follow(user, thread)
    mark_read(user, thread, 1)
    notifications.on_new_thread(user, course, category, thread, post)
    return thread


def reply(user, thread: Thread, body: str) -> Post:
    """Add a reply at the end; the number is taken with an atomic counter update."""
    if not can_reply(user, thread):
        raise UserError("This thread is locked; no new replies.", 403)
    check_can_post(user)
    body = _clean_body(body)
    now = utcnow()
    number = db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(post_count=Thread.post_count + 1, last_post_at=now)
        .returning(Thread.post_count)
    ).scalar_one()
    post = Post(
        thread_id=thread.id,
        author_id=user.id,
        number=number,
        body_source=body,
        body_html=render(body),
        search_text=body,
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    db.session.refresh(thread, ["post_count", "last_post_at"])
    follow(user, thread)
    mark_read(user, thread, number)
    notifications.on_reply(user, thread, post)
    return post


def accept_answer(user, thread: Thread, post: Post) -> None:
    """Mark a reply as the accepted answer (accepting it again clears it)."""
    if not can_accept(user, thread):
        raise UserError("Only the person who asked, or an instructor, accepts an answer.", 403)
    if post.thread_id != thread.id or post.number == 1:
        raise UserError("Choose a reply in this thread as the answer.")
    if thread.accepted_post_id == post.id:
        thread.accepted_post_id = None
        db.session.flush()
        return
    thread.accepted_post_id = post.id
    db.session.flush()
    notifications.on_accepted(user, thread, post)


def set_summary(user, thread: Thread, text: str) -> None:
    """The short "what worked" note shown at the top of a solved question."""
    if not can_accept(user, thread):
        raise UserError("Only the person who asked, or an instructor, writes the summary.", 403)
    text = clean_text(text).strip()
    if len(text) > MAX_SUMMARY:
        raise UserError(f"Keep the summary under {MAX_SUMMARY:,} characters.")
    thread.solution_summary_source = text
    thread.solution_summary_html = render(text) if text else ""
    db.session.flush()


def edit_post(user, thread: Thread, post: Post, body: str, title: str | None = None) -> None:
    """Change a post, keeping the earlier text (and title) as a revision."""
    if not can_edit(user, post):
        raise UserError("You can only edit your own posts.", 403)
    if not can_reply(user, thread):
        raise UserError("This thread is locked; posts can no longer be edited.", 403)
    check_can_edit(user)
    body = _clean_body(body)
    new_title = _clean_title(title) if post.number == 1 and title is not None else None
    if body == post.body_source and (new_title is None or new_title == thread.title):
        return
    db.session.add(
        PostRevision(
            post_id=post.id,
            editor_id=user.id,
            previous_source=post.body_source,
            previous_title=thread.title if post.number == 1 else None,
        )
    )
    post.body_source, post.body_html, post.edited_at = body, render(body), utcnow()
    if new_title is not None:
        thread.title = new_title
    post.search_text = _search_text(thread.title if post.number == 1 else None, body)
    db.session.flush()


def quote_source(post: Post, author_name: str) -> str:
    """Markdown that quotes a post, for the reply box."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in post.body_source.splitlines())
    return f"{quoted}\n>\n> — {author_name}\n\n"


def follow(user, thread: Thread) -> None:
    db.session.execute(
        insert_for(Follow).values(user_id=user.id, thread_id=thread.id).on_conflict_do_nothing()
    )


def unfollow(user, thread: Thread) -> None:
    db.session.execute(
        Follow.__table__.delete().where(Follow.user_id == user.id, Follow.thread_id == thread.id)
    )


def mark_read(user, thread: Thread, number: int) -> None:
    """One upsert; the marker only moves forward (two tabs cannot move it back)."""
    statement = insert_for(ReadMarker).values(
        user_id=user.id, thread_id=thread.id, last_read_number=number
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "thread_id"],
            set_={"last_read_number": statement.excluded.last_read_number},
            where=ReadMarker.last_read_number < statement.excluded.last_read_number,
        )
    )


def move_thread(user, thread: Thread, category: Category) -> None:
    if not can_moderate(user):
        raise UserError("Only instructors move threads.", 403)
    if category.course_id != thread.course_id:
        raise UserError("Threads move only between this course's categories.", 404)
    before = thread.category_id
    thread.category_id = category.id
    db.session.flush()
    record(
        user,
        "forum.thread.move",
        "forum_thread",
        thread.id,
        course_id=thread.course_id,
        before={"category_id": before},
        after={"category_id": category.id},
    )


def category_counts(course: Course) -> dict[int, int]:
    """Visible threads per category, in one grouped query."""
    rows = db.session.execute(
        select(Thread.category_id, func.count(Thread.id))
        .where(Thread.course_id == course.id, Thread.is_hidden.is_(False))
        .group_by(Thread.category_id)
    )
    return dict(rows.tuples())


def seed_categories(course: Course, specs: list[dict]) -> list[str]:
    """Create or update the course's categories by slug, never deleting; the slugs created."""
    existing = {
        c.slug: c
        for c in db.session.scalars(select(Category).where(Category.course_id == course.id))
    }
    created = []
    for position, spec in enumerate(specs):
        category = existing.get(spec["slug"])
        if category is None:
            category = Category(course_id=course.id, slug=spec["slug"])
            db.session.add(category)
            created.append(spec["slug"])
        values = {
            "title": str(spec["title"]).strip(),
            "description": str(spec.get("description") or ""),
            "position": position,
            "is_staff_only": spec.get("start") == "staff",
            "is_announcements": bool(spec.get("announce", False)),
        }
        for key, value in values.items():
            if getattr(category, key) != value:
                setattr(category, key, value)
    db.session.flush()
    return created


def seed_forum_categories(course: Course, *, spec, report) -> None:
    """course_imported receiver: the categories come from the same course files."""
    for slug in seed_categories(course, spec.forum_categories):
        report.created.append(f"forum category {slug}")
