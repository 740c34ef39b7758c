"""Forum email, sent by the job queue: one email per event or a daily digest, each with a
one-click unsubscribe link (RFC 8058).

Jobs own their transactions. A notification's email is leased before it is sent, so two
workers never send the same one, and marked emailed, in its own commit, as soon as the
mail server accepts it: from the member's view each event is emailed once, whatever
retries, duplicate deliveries or killed workers happen in between.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from datetime import timedelta

from flask import current_app, has_request_context, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select, update

from campus.accounts.models import User
from campus.extensions import db
from campus.jobs.registry import job, periodic
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
    now = utcnow()
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
            _not_leased(now),
            User.is_disabled.is_(False),
            visible(User.is_staff),
        )
        .order_by(Notification.user_id, Course.id, Thread.id, Notification.id)
    )
    if thread_id is not None:
        query = query.where(Notification.thread_id == thread_id)
    return db.session.execute(query).tuples().all()


def _not_leased(now):
    return or_(Notification.email_lease_until.is_(None), Notification.email_lease_until < now)


def _claim(ids: list[int]) -> set[int]:
    """Lease these notifications' emails to this worker, committed; the ids it won.

    A lease, not a mark: a worker killed before sending lets it run out, and the job's
    next run (or the periodic one) sends the email then.
    """
    if not ids:
        return set()
    now = utcnow()
    claimed = set(
        db.session.scalars(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.emailed_at.is_(None), _not_leased(now))
            .values(
                email_lease_until=now + timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
            )
            .returning(Notification.id)
        )
    )
    db.session.commit()
    return claimed


def _mark_emailed(ids: list[int]) -> None:
    """The server accepted their email: recorded at once, in its own commit, so a worker
    that dies on the next message never sends this one again."""
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(emailed_at=utcnow(), email_lease_until=None)
    )
    db.session.commit()


def _release(ids: list[int]) -> None:
    """Unsent after all: the job's retry sends them."""
    db.session.rollback()
    if ids:
        db.session.execute(
            update(Notification).where(Notification.id.in_(ids)).values(email_lease_until=None)
        )
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


@job("forum.event_emails")
def send_event_emails(thread_id: int | None = None) -> int:
    """Email members who chose one email per event, over one connection; the number sent.

    The job a new notification schedules for its thread (and, with no thread, the
    periodic one that catches whatever is left). Each notification is leased just before
    its email is sent and marked emailed right after, so a second run (a retry, a
    duplicate delivery, a worker restarted after kill -9, even one running alongside)
    sends only what is still unsent. A mail-server failure (connecting included) raises,
    and the queue retries the job with backoff.
    """
    pending = _pending(EmailMode.EVENT.value, thread_id)
    sent = 0
    with mail_connection() as send:
        for notification, user, thread, course in pending:
            if not _claim([notification.id]):  # another worker is sending it, or sent it
                continue
            subject = f"[{course.title}] {SUBJECTS[notification.kind]}: {thread.title}"
            try:
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
            except (smtplib.SMTPException, OSError):
                log.warning("forum email stopped after %d of %d", sent, len(pending))
                _release([notification.id])
                raise
            _mark_emailed([notification.id])
            sent += 1
    return sent


@job("forum.digests")
def send_digests() -> int:
    """One email per digest member, grouping their unseen events by course and thread.

    The number sent. Each member's digest is leased, sent and recorded on its own; a
    mail-server failure releases the digests not yet sent and raises, for the retry.
    """
    by_user: dict[int, list] = defaultdict(list)
    users: dict[int, User] = {}
    for notification, user, thread, course in _pending(EmailMode.DIGEST.value):
        by_user[user.id].append((notification, thread, course))
        users[user.id] = user
    sent = 0
    with mail_connection() as send:
        for user_id, items in by_user.items():
            ids = [n.id for n, _, _ in items]
            won = _claim(ids)
            if won != set(ids):  # another run holds some of them: theirs to send
                _release(list(won))
                continue
            try:
                send(_digest(users[user_id], items))
            except (smtplib.SMTPException, OSError):
                log.warning("forum digests stopped after %d of %d", sent, len(by_user))
                _release(ids)
                raise
            db.session.execute(
                update(Member).where(Member.user_id == user_id).values(last_digest_at=utcnow())
            )
            _mark_emailed(ids)
            sent += 1
    return sent


periodic("forum.digests", "FORUM_DIGEST_CRON")
periodic("forum.event_emails", "FORUM_EMAIL_RETRY_CRON")


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
