"""A job row: the durable record of one piece of work and of every attempt at it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campus.extensions import db
from campus.models import utcnow


class JobState(enum.StrEnum):
    PENDING = "pending"  # waiting to run (again) from run_after on
    RUNNING = "running"  # a worker holds it until lease_until; after that anyone may
    DONE = "done"
    DEAD = "dead"  # out of attempts: the dead-letter list, until an admin retries it


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_run_after", "state", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A name registered with campus.jobs.registry.job, e.g. "forum.event_emails".
    name: Mapped[str] = mapped_column(String(80))
    args: Mapped[list] = mapped_column(JSON, default=list)
    # Work that must exist once (one certificate email per certificate) carries a key.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=JobState.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def label(self) -> str:
        """The job as a person reads it: forum.event_emails(12)."""
        return f"{self.name}({', '.join(map(str, self.args))})"

    @property
    def error_summary(self) -> str:
        """The last line of the last error (for a traceback, the exception and its message)."""
        lines = self.last_error.strip().splitlines()
        return lines[-1] if lines else ""
