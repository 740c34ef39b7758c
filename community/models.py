"""Forum tables: categories, threads, posts, revisions, reports, follows, read markers,
notifications and per-member forum settings (suspension, email preference)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campus.accounts.models import User
from campus.extensions import db
from campus.models import utcnow


class EmailMode(enum.StrEnum):
    EVENT = "event"
    DIGEST = "digest"
    OFF = "off"


#: What a member gets before choosing on the email page (no Member row yet).
DEFAULT_EMAIL_MODE = EmailMode.DIGEST.value


class NotificationKind(enum.StrEnum):
    REPLY = "reply"
    MENTION = "mention"
    ACCEPTED = "accepted"
    ANNOUNCEMENT = "announcement"


class Category(db.Model):
    __tablename__ = "forum_categories"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # Announcements: only staff start threads, and a new thread notifies everyone enrolled.
    is_staff_only: Mapped[bool] = mapped_column(default=False)
    is_announcements: Mapped[bool] = mapped_column(default=False)


class ThreadFacts:
    """What a thread's counters mean: one home for the ORM row and the forum index's plain
    rows (community.queries.ListedThread)."""

    __slots__ = ()
    post_count: int
    accepted_post_id: int | None

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None


class Thread(ThreadFacts, db.Model):
    __tablename__ = "forum_threads"
    __table_args__ = (
        Index("ix_forum_threads_course_activity", "course_id", "is_pinned", "last_post_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_categories.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    is_question: Mapped[bool] = mapped_column(default=False)
    # Plain integer, not a foreign key: posts reference threads, so a cycle would need
    # deferred constraints; the service keeps it pointing at a post of this thread.
    accepted_post_id: Mapped[int | None]
    solution_summary_html: Mapped[str] = mapped_column(Text, default="")
    solution_summary_source: Mapped[str] = mapped_column(Text, default="")
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id"), index=True)
    lesson_second: Mapped[int | None]
    post_count: Mapped[int] = mapped_column(default=0)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")
    category: Mapped[Category] = relationship(lazy="raise")


class Post(db.Model):
    __tablename__ = "forum_posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        Index("ix_forum_posts_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # 1 for the opening post; pages and read markers work on these numbers.
    number: Mapped[int]
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Title (on the opening post) plus source: what full-text search indexes.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    is_hidden: Mapped[bool] = mapped_column(default=False)
    open_report_count: Mapped[int] = mapped_column(default=0)

    author: Mapped[User] = relationship(lazy="raise")


class PostRevision(db.Model):
    """The text a post had before an edit: who changed it and when."""

    __tablename__ = "forum_post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    previous_source: Mapped[str] = mapped_column(Text)
    previous_title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(db.Model):
    __tablename__ = "forum_reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(20))


class Follow(db.Model):
    __tablename__ = "forum_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("forum_threads.id"), primary_key=True, index=True
    )


class ReadMarker(db.Model):
    """The highest post number a member has seen in a thread: unread = post_count - this."""

    __tablename__ = "forum_read_markers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id"), primary_key=True)
    last_read_number: Mapped[int] = mapped_column(default=0)


class Notification(db.Model):
    __tablename__ = "forum_notifications"
    __table_args__ = (Index("ix_forum_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Set once the event went out by email (alone or in a digest), so nothing is sent twice.
    emailed_at: Mapped[datetime | None]
    # A worker sending its email holds it until then; a worker that died lets it lapse.
    email_lease_until: Mapped[datetime | None]


class Member(db.Model):
    """Forum-only settings of an account, kept out of the User model."""

    __tablename__ = "forum_members"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_mode: Mapped[str] = mapped_column(String(10), default=DEFAULT_EMAIL_MODE)
    is_suspended: Mapped[bool] = mapped_column(default=False)
    suspension_reason: Mapped[str] = mapped_column(String(500), default="")
    suspended_at: Mapped[datetime | None]
    last_digest_at: Mapped[datetime | None]


# Made by hand in migrations: the GIN index on PostgreSQL (on the expression before 0016,
# on the stored column since) and the stored tsvector column, which SQLite does not have.
SEARCH_INDEXES = {"ix_forum_posts_search", "ix_forum_posts_search_vector"}
SEARCH_COLUMNS = {"search_vector"}


def alembic_include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Hide the search structures the migrations create by hand from autogenerate, which
    would otherwise propose dropping the FTS5 tables, the GIN index and the tsvector."""
    if not reflected:
        return True
    if type_ == "table" and name and name.startswith("forum_posts_fts"):
        return False
    if type_ == "column" and name in SEARCH_COLUMNS:
        return obj.table.name != "forum_posts"
    return not (type_ == "index" and name in SEARCH_INDEXES)
