"""Keeping the forum safe: posting and editing rules (suspension, rate limits), reports that
hide a post after three established members flag it, the moderation queue, and thread
pin/lock/hide."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, select, update

from campus.accounts.models import User
from campus.audit.services import record
from campus.enrollment.models import Enrollment
from campus.errors import UserError
from campus.extensions import db
from campus.models import utcnow
from community.access import can_moderate, can_report, can_suspend
from community.models import Member, Post, PostRevision, Report, Thread
from community.moderation.queries import member_of
from community.text import clean_text

AUTO_HIDE_REPORTS = 3
THREAD_FLAGS = {
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
    "lock": ("is_locked", True),
    "unlock": ("is_locked", False),
    "hide": ("is_hidden", True),
    "unhide": ("is_hidden", False),
}


def get_or_create_member(user_id: int) -> Member:
    member = member_of(user_id)
    if member is None:
        member = Member(user_id=user_id)
        db.session.add(member)
        db.session.flush()
    return member


def _check_not_suspended(user) -> None:
    member = member_of(user.id)
    if member is not None and member.is_suspended:
        reason = f" Reason: {member.suspension_reason}" if member.suspension_reason else ""
        raise UserError("Your forum access is suspended, so you cannot post." + reason, 403)


def _check_rate(user, author, created_at, limit_setting: str, verb: str) -> None:
    """At most `limit_setting` rows by this learner in the window (staff are exempt)."""
    if user.is_staff:
        return
    limit = current_app.config[limit_setting]
    window = current_app.config["FORUM_POST_WINDOW_SECONDS"]
    since = utcnow() - timedelta(seconds=window)
    recent = db.session.scalar(select(func.count()).where(author == user.id, created_at >= since))
    if recent >= limit:
        raise UserError(
            f"You have {verb} {recent} times in the last {window} seconds. Please wait a "
            "minute and send again; your text is still in the box below.",
            429,
        )


def check_can_post(user) -> None:
    """Suspended members cannot post; learners get a per-member rate limit."""
    _check_not_suspended(user)
    _check_rate(user, Post.author_id, Post.created_at, "FORUM_POSTS_PER_WINDOW", "posted")


def check_can_edit(user) -> None:
    """Suspended members cannot rewrite what they posted either; edits are rate-limited too
    (each one keeps a revision)."""
    _check_not_suspended(user)
    _check_rate(
        user,
        PostRevision.editor_id,
        PostRevision.created_at,
        "FORUM_EDITS_PER_WINDOW",
        "edited",
    )


def report_post(user, post: Post, reason: str) -> bool:
    """File a report; returns True if this report hid the post (the third open one)."""
    reason = " ".join(clean_text(reason).split())
    if not reason:
        raise UserError("Say briefly what is wrong with this post.")
    if not can_report(user, post):
        if post.author_id == user.id:
            raise UserError("You cannot report your own post.")
        raise UserError("Moderators hide a post instead of reporting it.", 403)
    existing = db.session.scalar(
        select(Report.id).where(Report.post_id == post.id, Report.reporter_id == user.id)
    )
    if existing is not None:
        raise UserError("You have already reported this post; a moderator will look at it.", 409)
    db.session.add(Report(post_id=post.id, reporter_id=user.id, reason=reason[:500]))
    db.session.execute(
        update(Post).where(Post.id == post.id).values(open_report_count=Post.open_report_count + 1)
    )
    db.session.flush()
    db.session.refresh(post, ["open_report_count", "is_hidden"])
    if post.is_hidden or _reports_that_can_hide(post) < AUTO_HIDE_REPORTS:
        return False
    post.is_hidden = True
    db.session.flush()
    return True


def _reports_that_can_hide(post: Post) -> int:
    """Open reports that count toward hiding a post before a moderator has looked.

    Only reports from members enrolled before the post was written count, so accounts made
    to bury a post cannot hide it, and an instructor's or admin's post is never hidden this
    way. Every report still reaches the moderation queue.
    """
    if db.session.scalar(select(User.is_staff).where(User.id == post.author_id)):
        return 0
    return db.session.scalar(
        select(func.count(Report.id))
        .join(Thread, Thread.id == post.thread_id)
        .join(
            Enrollment,
            and_(
                Enrollment.user_id == Report.reporter_id, Enrollment.course_id == Thread.course_id
            ),
        )
        .where(
            Report.post_id == post.id,
            Report.resolved_at.is_(None),
            Enrollment.enrolled_at < post.created_at,
        )
    )


def resolve_reports(user, post: Post, action: str) -> None:
    """Close a post's open reports: 'restore' shows it again, 'hide' keeps it hidden."""
    if not can_moderate(user):
        raise UserError("Only instructors review reports.", 403)
    if action not in ("restore", "hide"):
        raise UserError("Choose restore or hide.")
    db.session.execute(
        update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=user.id, resolution=action)
    )
    post.open_report_count = 0
    before = post.is_hidden
    post.is_hidden = action == "hide"
    db.session.flush()
    _record_post(user, post, before, note="reports resolved")


def set_post_hidden(user, post: Post, hidden: bool) -> None:
    if not can_moderate(user):
        raise UserError("Only instructors hide posts.", 403)
    before = post.is_hidden
    post.is_hidden = hidden
    db.session.flush()
    _record_post(user, post, before)


def _record_post(user, post: Post, before: bool, note: str = "") -> None:
    course_id = db.session.scalar(select(Thread.course_id).where(Thread.id == post.thread_id))
    record(
        user,
        "forum.post.hide" if post.is_hidden else "forum.post.restore",
        "forum_post",
        post.id,
        course_id=course_id,
        before={"is_hidden": before},
        after={"is_hidden": post.is_hidden},
        note=note,
    )


def set_thread_flag(user, thread: Thread, action: str) -> None:
    """Pin, unpin, lock, unlock, hide or unhide a thread (instructors and admins)."""
    if not can_moderate(user):
        raise UserError("Only instructors moderate threads.", 403)
    if action not in THREAD_FLAGS:
        raise UserError("Unknown moderation action.")
    attribute, value = THREAD_FLAGS[action]
    before = getattr(thread, attribute)
    setattr(thread, attribute, value)
    db.session.flush()
    record(
        user,
        f"forum.thread.{action}",
        "forum_thread",
        thread.id,
        course_id=thread.course_id,
        before={attribute: before},
        after={attribute: value},
    )


def set_suspension(user, target: User, suspended: bool, reason: str = "") -> None:
    if not can_moderate(user):
        raise UserError("Only instructors suspend members.", 403)
    if not can_suspend(user, target):
        raise UserError("Staff accounts cannot be suspended from the forum.")
    member = get_or_create_member(target.id)
    before = {"is_suspended": member.is_suspended, "reason": member.suspension_reason or ""}
    member.is_suspended = suspended
    reason = " ".join(clean_text(reason).split())[:500]
    member.suspension_reason = reason if suspended else ""
    member.suspended_at = utcnow() if suspended else None
    db.session.flush()
    record(
        user,
        "forum.member.suspend" if suspended else "forum.member.unsuspend",
        "user",
        target.id,
        before=before,
        after={"is_suspended": suspended, "reason": member.suspension_reason},
        note=reason,
    )
