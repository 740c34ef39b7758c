"""An audit packet: one ZIP of a course's records for a date range, built by a job into
shared storage. The row says where it stands; the records it copies are never deleted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from campus.extensions import db
from campus.models import utcnow


class AuditPacket(db.Model):
    """One packet. ``key`` names the course, the range and the day it was asked for, so two
    requests on one day build one packet (and one job, keyed the same)."""

    __tablename__ = "audit_packets"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    files_done: Mapped[int] = mapped_column(default=0)  # progress while building
    files_total: Mapped[int] = mapped_column(default=0)  # known once the build starts
    built_at: Mapped[datetime | None] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size_bytes: Mapped[int] = mapped_column(default=0)
    purged_at: Mapped[datetime | None] = mapped_column()  # retention: the file is gone

    @property
    def storage_key(self) -> str:
        """Where campus.storage keeps the ZIP (writes are atomic: never a partial file)."""
        return f"exports/audit-packets/{self.course_id}/{self.id}.zip"
