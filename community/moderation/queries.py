"""Reads for moderators: the queue of reported posts, a post's edit history, a member's
forum standing."""

from __future__ import annotations

from sqlalchemy import select

from campus.accounts.models import User
from campus.extensions import db
from community.models import Member, Post, PostRevision, Report, Thread


def member_of(user_id: int) -> Member | None:
    return db.session.get(Member, user_id)


def moderation_queue(course_id: int) -> list[tuple[Post, Thread, User, list[Report]]]:
    """Posts with open reports in a course, most reported first (two queries)."""
    rows = (
        db.session.execute(
            select(Post, Thread, User)
            .join(Thread, Thread.id == Post.thread_id)
            .join(User, User.id == Post.author_id)
            .where(Thread.course_id == course_id, Post.open_report_count > 0)
            .order_by(Post.open_report_count.desc(), Post.id)
            .limit(100)
        )
        .tuples()
        .all()
    )
    post_ids = [post.id for post, _, _ in rows]
    reports: dict[int, list[Report]] = {pid: [] for pid in post_ids}
    if post_ids:
        for report in db.session.scalars(
            select(Report)
            .where(Report.post_id.in_(post_ids), Report.resolved_at.is_(None))
            .order_by(Report.created_at)
        ):
            reports[report.post_id].append(report)
    return [(post, thread, author, reports[post.id]) for post, thread, author in rows]


def revisions(post_id: int):
    """A post's earlier versions with their editors, newest first (one query)."""
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
