"""Forum email, sent after the response (and by `flask forum` for what is left): one email
per event or a daily digest, each with a one-click unsubscribe link (RFC 8058).

Jobs own their transactions: notifications are claimed (committed) before sending, so
two processes never send the same one, and released when the mail server fails.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict

from flask import current_app, has_request_context, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update

from campus.accounts.models import User
from campus.extensions import db
from campus.mail import build_message, mail_connection
from campus.models import utcnow
from campus.urls import external_url
from community.models import (
    DEFAULT_EMAIL_MODE,
    EmailMode,
    Member,
    Notification,
    NotificationKind,
    Thread,
)
from community.notifications.queries import visible
from course.models import Course

log = logging.getLogger(__name__)


UNSUBSCRIBE_SALT = "forum-unsubscribe"


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
        # A member who never saved the email page has no Member row: DEFAULT_EMAIL_MODE.
        .outerjoin(Member, Member.user_id == Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .join(Thread, Thread.id == Notification.thread_id)
        .join(Course, Course.id == Thread.course_id)
        .where(
            func.coalesce(Member.email_mode, DEFAULT_EMAIL_MODE) == mode,
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            User.is_disabled.is_(False),
            visible(User.is_staff),
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
    unsubscribe = external_url("notifications.unsubscribe", token=token)
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
                        "community/notifications/email/event.txt",
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
        "community/notifications/email/digest.txt",
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
