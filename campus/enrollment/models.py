"""Enrollment rows (which learner takes which course, since when, in what state) and the
enrollment codes that let a learner in, with who redeemed each."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campus.extensions import db
from campus.models import utcnow


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        # The staff learner list: counts by status from the index alone, and pages
        # through the most recently enrolled without sorting the whole course.
        Index("ix_enrollments_course_status", "course_id", "status"),
        Index("ix_enrollments_course_enrolled", "course_id", "enrolled_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=EnrollmentStatus.ACTIVE.value)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The seat pack that pays for this enrollment (its organisation sponsors it); None for
    # a learner who enrolled on their own. Kept after a withdrawal that used the seat.
    seat_pack_id: Mapped[int | None] = mapped_column(ForeignKey("seat_packs.id"), index=True)


# Same alphabet as certificate codes: no 0/O, 1/I/L, U, so a code read aloud or typed from
# paper cannot be mistaken. 30**16 ~ 2**78 codes; redemption is rate-limited on top.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS, CODE_GROUP_LENGTH = 4, 4
MAX_CODE_USES = 10_000


class EnrollmentCode(db.Model):
    """A code that enrolls whoever redeems it in one course, up to max_uses times."""

    __tablename__ = "enrollment_codes"
    __table_args__ = (
        # The database itself refuses an over-used code, whatever the code path.
        CheckConstraint("uses <= max_uses", name="uses_within_limit"),
        CheckConstraint("max_uses >= 1", name="max_uses_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None]
    is_revoked: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A code may draw on a seat pack: each new redemption then claims one of its seats.
    seat_pack_id: Mapped[int | None] = mapped_column(ForeignKey("seat_packs.id"))

    @property
    def is_single_use(self) -> bool:
        return self.max_uses == 1

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def state(self, now: datetime) -> str:
        """What the admin page shows: Revoked, Expired, Used up or Active."""
        if self.is_revoked:
            return "Revoked"
        if self.is_expired(now):
            return "Expired"
        return "Used up" if self.uses >= self.max_uses else "Active"


MAX_PACK_SEATS = 100_000


class SeatPack(db.Model):
    """Seats an organisation bought for one course (paid by invoice or PO, outside campus).

    `held` counts the seats in use: enrollments that claimed one plus invites still
    waiting to be accepted. It only moves by conditional UPDATEs (held + n <= seats), and
    the database refuses a row over its limit, so concurrent redemptions never oversell.
    """

    __tablename__ = "seat_packs"
    __table_args__ = (
        CheckConstraint("held <= seats", name="held_within_seats"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("seats >= 1", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    seats: Mapped[int]
    held: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None]
    reference: Mapped[str] = mapped_column(String(120), default="")  # invoice or PO number
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @property
    def available(self) -> int:
        return self.seats - self.held


class EnrollmentCodeRedemption(db.Model):
    """Who redeemed which code: a learner uses a code once, and a replay uses no new seat."""

    __tablename__ = "enrollment_code_redemptions"
    __table_args__ = (UniqueConstraint("code_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("enrollment_codes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redeemed_at: Mapped[datetime] = mapped_column(default=utcnow)
