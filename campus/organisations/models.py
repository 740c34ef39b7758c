"""Organisations (a school district buying seats), their managers, and invites.

A manager is an ordinary account with a row here: the role is scoped to one organisation,
not a site-wide role, so a district manager sees their district and nothing else. Seat
packs live with enrollment (campus.enrollment.models.SeatPack): a seat is an enrollment.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from campus.extensions import db
from campus.models import utcnow


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganisationManager(db.Model):
    __tablename__ = "organisation_managers"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class InviteStatus(enum.StrEnum):
    PENDING = "pending"  # holds a seat until accepted or freed
    ACCEPTED = "accepted"  # the seat is an enrollment now
    FREED = "freed"  # a manager gave the seat back before it was claimed
    EXPIRED = "expired"  # its pack expired first: the held seat was given back


MAX_INVITE_ROWS = 10_000


class Invite(db.Model):
    """One person invited to a course on a seat pack's seat.

    An existing account is enrolled at once (the invite is born accepted, and the email
    says so); anyone else gets a signed, expiring link that creates or attaches the
    account and enrolls it in one step.
    """

    __tablename__ = "invites"
    __table_args__ = (
        # One waiting invite per person and course, whatever two uploads race.
        Index(
            "uq_invites_pending_email",
            "course_id",
            "email",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_pack_id: Mapped[int] = mapped_column(ForeignKey("seat_packs.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=InviteStatus.PENDING.value)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    freed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    times_sent: Mapped[int] = mapped_column(default=0)
