"""In-app notifications (replies in followed threads, mentions, accepted answers,
announcements) and their emails: one per event or a daily digest, each with a one-click
unsubscribe link (RFC 8058)."""

from __future__ import annotations

import logging
import re
import smtplib
from collections import defaultdict

from flask import current_app, has_request_context, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, literal, or_, select, update

from campus.accounts.models import Role, User
from campus.enrollment import Enrollment, EnrollmentStatus
from campus.extensions import db
from campus.mail import build_message, mail_connection
from campus.models import utcnow
from campus.urls import external_url
from community.models import (
    Category,
    EmailMode,
    Follow,
    Member,
    Notification,
    NotificationKind,
    Post,
    Thread,
)
from course.models import Course

log = logging.getLogger(__name__)
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w.'-]{0,60})")
MAX_MENTIONS = 10
UNSUBSCRIBE_SALT = "forum-unsubscribe"


STAFF_ROLES = (Role.INSTRUCTOR.value, Role.ADMIN.value)


def mention_handle(full_name: str) -> str:
    """How members mention each other: the full name with spaces as hyphens (@dana-learner)."""
    return "-".join(full_name.split()).lower()


def mentioned_users(text: str, course_id: int) -> list[int]:
    """Members of this course's forum named in the text, in one query."""
    handles = {h.rstrip(".'-").lower() for h in MENTION.findall(text)}
    handles = sorted(h for h in handles if h)[:MAX_MENTIONS]
    if not handles:
        return []
    handle_expr = func.lower(func.replace(func.trim(User.full_name), " ", "-"))
    enrolled = (
        select(Enrollment.id)
        .where(
            Enrollment.user_id == User.id,
            Enrollment.course_id == course_id,
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
        )
        .exists()
    )
    return list(
        db.session.scalars(
            select(User.id).where(handle_expr.in_(handles), or_(User.role != "learner", enrolled))
        )
    )


def _add(user_ids, kind: str, thread: Thread, post: Post | None, actor_id: int) -> None:
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


def _announce(author, course: Course, thread: Thread, post: Post, exclude: set[int]) -> None:
    """Everyone enrolled hears about an instructor's announcement: one INSERT ... SELECT."""
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


def _visible(is_staff) -> object:
    """What a notification may show, checked when it is read or emailed, not only when made.

    Staff see everything. Members are not told about hidden threads or posts (not even
    their titles), nor about a course's forum once they have left the course.
    `is_staff` is a bool for one viewer, or a SQL expression for many (digests).
    """
    member_may_see = and_(_not_hidden(), _still_in_course())
    if isinstance(is_staff, bool):
        return literal(True) if is_staff else member_may_see
    return or_(is_staff, member_may_see)


def unread_count(user_id: int, is_staff: bool = False) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id,
                Notification.read_at.is_(None),
                _visible(is_staff),
            )
        )
        or 0
    )


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
            .where(Notification.user_id == user_id, _visible(is_staff))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
        .tuples()
        .all()
    )


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
    from community.moderation import get_or_create_member

    get_or_create_member(user_id).email_mode = EmailMode(mode).value
    db.session.flush()


def email_mode(user_id: int) -> str:
    member = db.session.get(Member, user_id)
    return member.email_mode if member else EmailMode.DIGEST.value


# --- email -------------------------------------------------------------------------


def unsubscribe_token(user_id: int) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps(user_id)


def user_from_token(token: str) -> int | None:
    try:
        value = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).loads(
            token
        )
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def _pending(mode: str, thread_id: int | None = None):
    query = (
        select(Notification, User, Thread, Course)
        .join(Member, and_(Member.user_id == Notification.user_id, Member.email_mode == mode))
        .join(User, User.id == Notification.user_id)
        .join(Thread, Thread.id == Notification.thread_id)
        .join(Course, Course.id == Thread.course_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            User.is_disabled.is_(False),
            _visible(User.role.in_(STAFF_ROLES)),
        )
        .order_by(Notification.user_id, Course.id, Thread.id, Notification.id)
    )
    if thread_id is not None:
        query = query.where(Notification.thread_id == thread_id)
    return db.session.execute(query).tuples().all()


def _claim(ids: list[int]) -> set[int]:
    """Mark notifications emailed in one statement; the ids this process won."""
    if not ids:
        return set()
    claimed = db.session.scalars(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
        .values(emailed_at=utcnow())
        .returning(Notification.id)
    )
    return set(claimed)


def _release(ids: list[int]) -> None:
    """Unsent after all: the next `flask forum send-event-emails` run tries them again."""
    db.session.execute(update(Notification).where(Notification.id.in_(ids)).values(emailed_at=None))
    db.session.commit()


def _message(user: User, subject: str, template: str, **context):
    token = unsubscribe_token(user.id)
    unsubscribe = external_url("community.unsubscribe", token=token)
    text = render_template(
        template, user=user, unsubscribe=unsubscribe, link=external_url, **context
    )
    return build_message(
        user.email,
        subject,
        text,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def send_event_emails(thread_id: int | None = None) -> int:
    """Email members who chose one email per event, over one connection; the number sent.

    Call after the commit (views use campus.after_response). Notifications are claimed
    first so two processes never send the same one; if the mail server fails, the ones
    not yet sent are released for the next run, and the error is logged, not raised.
    """
    pending = _pending(EmailMode.EVENT.value, thread_id)
    claimed = _claim([notification.id for notification, *_ in pending])
    db.session.commit()
    mine = [item for item in pending if item[0].id in claimed]
    sent = 0
    try:
        with mail_connection() as send:
            for notification, user, thread, course in mine:
                subject = f"[{course.title}] {SUBJECTS[notification.kind]}: {thread.title}"
                send(
                    _message(
                        user,
                        subject,
                        "community/email/event.txt",
                        notification=notification,
                        thread=thread,
                        course=course,
                    )
                )
                sent += 1
    except (smtplib.SMTPException, OSError):
        log.exception("forum email stopped; %d left for the next run", len(mine) - sent)
        _release([notification.id for notification, *_ in mine[sent:]])
    return sent


def send_digests() -> int:
    """One email per digest member, grouping their unseen events by course and thread.

    The number sent. As with event emails, a mail-server failure releases the digests not
    yet sent for the next run and is logged.
    """
    by_user: dict[int, list] = defaultdict(list)
    users: dict[int, User] = {}
    for notification, user, thread, course in _pending(EmailMode.DIGEST.value):
        by_user[user.id].append((notification, thread, course))
        users[user.id] = user
    sent = 0
    try:
        with mail_connection() as send:
            for user_id, items in by_user.items():
                ids = [n.id for n, _, _ in items]
                if _claim(ids) != set(ids):  # another run got some of them first
                    db.session.rollback()
                    continue
                db.session.commit()
                try:
                    send(_digest(users[user_id], items))
                except (smtplib.SMTPException, OSError):
                    _release(ids)
                    raise
                db.session.execute(
                    update(Member).where(Member.user_id == user_id).values(last_digest_at=utcnow())
                )
                db.session.commit()
                sent += 1
    except (smtplib.SMTPException, OSError):
        log.exception("forum digests stopped after %d of %d", sent, len(by_user))
    return sent


def _digest(user: User, items: list):
    groups: dict[tuple, list] = defaultdict(list)
    for notification, thread, course in items:
        groups[(course.title, course.slug, thread.id, thread.title)].append(notification)
    return _message(
        user,
        f"Your forum digest: {len(items)} update(s)",
        "community/email/digest.txt",
        groups=groups,
    )


SUBJECTS = {
    NotificationKind.REPLY: "New reply",
    NotificationKind.MENTION: "You were mentioned",
    NotificationKind.ACCEPTED: "Your answer was accepted",
    NotificationKind.ANNOUNCEMENT: "Announcement",
}


def in_request_or_app_context(function, *args, **kwargs):
    """Run outside a request (the CLI) with a request context built on PUBLIC_BASE_URL."""
    if has_request_context():
        return function(*args, **kwargs)
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base):
        return function(*args, **kwargs)
