"""Audit rows: append-only. Targets are plain (type, id) values, so the kernel names rows of
any wing (a forum thread, a certificate, a course) without importing it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campus.extensions import db
from campus.models import utcnow


class AuditEntry(db.Model):
    """One staff action. Never updated or deleted: no service or route does, and on
    PostgreSQL a trigger (migration 20261127_0007) refuses UPDATE and DELETE."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_course_created", "course_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # None: the command line (flask ...), or the system acting on nobody's behalf.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None]
    course_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
