"""Notification verbs: who hears of a new thread, a reply, a mention, an accepted answer or
an announcement; marking them read; a member's email choice. They flush, never commit;
the emails are jobs (community.notifications.jobs)."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, literal, or_, select, true, update

from campus.accounts.models import User
from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.extensions import db
from campus.jobs.services import enqueue
from campus.models import utcnow
from community.models import (
    Category,
    EmailMode,
    Follow,
    Notification,
    NotificationKind,
    Post,
    Thread,
)
from community.moderation.services import get_or_create_member
from course.models import Course

# "@" then a run of non-space characters (names may use any script, apostrophes, hyphens
# and periods); trailing punctuation ("@dana-learner," or "@zoë.") is trimmed by _key.
MENTION = re.compile(r"(?<![\w@])@(\S{1,200})")
MAX_MENTIONS = 10
# Typographic apostrophes and hyphens a keyboard or phone may insert for ' and -.
_LOOKALIKES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"}
)
_ASCII_RUN = re.compile(r"[a-z0-9]{2,}")


def mention_handle(full_name: str) -> str:
    """How members mention each other: the full name with spaces as hyphens, in NFC and lower
    case, so every name sign-up accepts has one (@dana-learner, @zoë-ñúñez-o'brien)."""
    name = unicodedata.normalize("NFC", full_name).translate(_LOOKALIKES)
    return "-".join(name.split()).lower()


def _key(handle: str) -> str:
    """A handle without trailing punctuation, on both sides of the match ("jr." is "jr")."""
    end = len(handle)
    while end and unicodedata.category(handle[end - 1])[0] not in "LNM":
        end -= 1
    return handle[:end]


def _mentioned_keys(text: str) -> list[str]:
    keys = {
        _key(mention_handle(raw)) for raw in MENTION.findall(unicodedata.normalize("NFC", text))
    }
    return sorted(key for key in keys if key)[:MAX_MENTIONS]


def _name_could_match(key: str):
    """A cheap SQL prefilter: the longest ASCII run of the handle appears in the name (SQL
    lower() is ASCII-only on SQLite, so the exact Unicode match is done in Python)."""
    runs = _ASCII_RUN.findall(key)
    if not runs:
        return true()
    return func.lower(User.full_name).contains(max(runs, key=len))


def mentioned_users(text: str, course_id: int) -> list[int]:
    """Members of this course's forum named in the text, in one query."""
    keys = _mentioned_keys(text)
    if not keys:
        return []
    enrolled = (
        select(Enrollment.id)
        .where(
            Enrollment.user_id == User.id,
            Enrollment.course_id == course_id,
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
        )
        .exists()
    )
    candidates = db.session.execute(
        select(User.id, User.full_name).where(
            or_(*(_name_could_match(key) for key in keys)), or_(User.is_staff, enrolled)
        )
    )
    wanted = set(keys)
    return [user_id for user_id, name in candidates if _key(mention_handle(name)) in wanted]


def _add(user_ids, kind: str, thread: Thread, post: Post | None, actor_id: int) -> None:
    if user_ids:
        _email_later(thread)
    for user_id in user_ids:
        db.session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                thread_id=thread.id,
                post_id=post.id if post else None,
                actor_id=actor_id,
            )
        )


def on_new_thread(author, course: Course, category: Category, thread: Thread, post: Post) -> None:
    mentioned = set(mentioned_users(post.body_source, course.id)) - {author.id}
    _add(sorted(mentioned), NotificationKind.MENTION, thread, post, author.id)
    if category.is_announcements and author.is_staff:
        _announce(author, course, thread, post, exclude=mentioned | {author.id})
    db.session.flush()


def _email_later(thread: Thread) -> None:
    """The thread's event emails, as a job committed with the notifications (one per
    transaction, however many notifications it adds)."""
    enqueue("forum.event_emails", thread.id)


def _announce(author, course: Course, thread: Thread, post: Post, exclude: set[int]) -> None:
    """Everyone enrolled hears about an instructor's announcement: one INSERT ... SELECT."""
    _email_later(thread)
    learners = select(
        Enrollment.user_id,
        literal(NotificationKind.ANNOUNCEMENT.value),
        literal(thread.id),
        literal(post.id),
        literal(author.id),
        literal(utcnow(), type_=Notification.created_at.type),
    ).where(
        Enrollment.course_id == course.id,
        Enrollment.status != EnrollmentStatus.WITHDRAWN,
        Enrollment.user_id.not_in(exclude or {0}),
    )
    db.session.execute(
        Notification.__table__.insert().from_select(
            ["user_id", "kind", "thread_id", "post_id", "actor_id", "created_at"], learners
        )
    )


def on_reply(author, thread: Thread, post: Post) -> None:
    mentioned = set(mentioned_users(post.body_source, thread.course_id)) - {author.id}
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.thread_id == thread.id)))
    _add(sorted(mentioned), NotificationKind.MENTION, thread, post, author.id)
    _add(
        sorted(followers - mentioned - {author.id}), NotificationKind.REPLY, thread, post, author.id
    )
    db.session.flush()


def on_accepted(actor, thread: Thread, post: Post) -> None:
    if post.author_id != actor.id:
        _add([post.author_id], NotificationKind.ACCEPTED, thread, post, actor.id)
        db.session.flush()


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    statement = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    return db.session.execute(statement.values(read_at=utcnow())).rowcount


def mark_thread_read(user_id: int, thread_id: int, up_to_number: int) -> None:
    """Reading a thread reads its notifications for the posts now on screen (one UPDATE)."""
    shown = select(Post.id).where(Post.thread_id == thread_id, Post.number <= up_to_number)
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.thread_id == thread_id,
            Notification.read_at.is_(None),
            or_(Notification.post_id.is_(None), Notification.post_id.in_(shown)),
        )
        .values(read_at=utcnow())
    )


def set_email_mode(user_id: int, mode: str) -> None:
    get_or_create_member(user_id).email_mode = EmailMode(mode).value
    db.session.flush()
