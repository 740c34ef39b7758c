"""Certificates (frozen snapshots, never deleted) and their history of events."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campus.extensions import db
from campus.models import utcnow
from course import ce_rules

# Why a certificate was revoked, in categories the public verification (page and JSON) may
# show; the free-text reason stays on the staff pages.
REVOCATION_CATEGORIES = {
    "issued_in_error": "Issued in error",
    "requirements_not_met": "Completion requirements not met",
    "academic_integrity": "Academic integrity",
    "participant_request": "At the participant's request",
    "other": "Other",
}

# A code's shape: four groups of four from an alphabet without look-alikes (no 0/O, 1/I/L, U).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS, CODE_GROUP_LENGTH = 4, 4  # 30**16 ~ 2**78 codes


class CertificateState(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Certificate(db.Model):
    """What a certificate shows lives in snapshot, copied at issue; the PDF is drawn from it.

    (user_id, course_id, sequence) is unique: the first issue is sequence 1, so two
    concurrent issue requests cannot both insert; a reissue takes the next number.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "sequence"),
        # The staff list pages through a course's certificates, newest first.
        Index("ix_certificates_course_issued", "course_id", "issued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    sequence: Mapped[int] = mapped_column(default=1)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    contact_hours: Mapped[float] = mapped_column(default=0.0)
    completed_at: Mapped[datetime]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_category: Mapped[str | None] = mapped_column(String(30))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), unique=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))

    @property
    def state(self) -> CertificateState:
        if self.superseded_by_id is not None:
            return CertificateState.SUPERSEDED
        if self.revoked_at is not None:
            return CertificateState.REVOKED
        return CertificateState.VALID

    @property
    def revoked_category_label(self) -> str:
        """The public reason for a revocation: its category, never the admin's free text."""
        return REVOCATION_CATEGORIES.get(self.revoked_category or "other", "Other")

    @property
    def is_valid(self) -> bool:
        return self.state == CertificateState.VALID

    @property
    def is_sample(self) -> bool:
        """Issued while the course was not CE-approved: watermarked, never reported."""
        return ce_rules.snapshot_is_sample(self.snapshot)

    @property
    def counts_for_credit(self) -> bool:
        return self.is_valid and not self.is_sample


class CertificateEvent(db.Model):
    """Issued, emailed, revoked, reissued: who did what, when and why."""

    __tablename__ = "certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CeSettingsAlert(db.Model):
    """Staff told that a course refused a certificate for missing CE fields: one row per
    course and missing-field set, so many refused learners make one email, not many.

    sent_at is set when a job claims the row to send it (and cleared again if the mail
    fails, so the next refusal retries); recipients counts who was emailed.
    """

    __tablename__ = "ce_settings_alerts"
    __table_args__ = (UniqueConstraint("course_id", "missing_fields"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    missing_fields: Mapped[str] = mapped_column(String(300))  # sorted, comma-separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    recipients: Mapped[int] = mapped_column(default=0)


class BoardReport(db.Model):
    """A file of completions sent (or about to be sent) to a board, kept exactly as it was
    made: what was sent, for which certificates, when and by whom. Never deleted."""

    __tablename__ = "board_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    file_format: Mapped[str] = mapped_column(String(30))  # course.certificates.board_files
    state: Mapped[str] = mapped_column(String(2), default="")  # "" = every state
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BoardReportEntry(db.Model):
    """One certificate in a board report, with the license it was reported under."""

    __tablename__ = "board_report_entries"
    __table_args__ = (UniqueConstraint("report_id", "certificate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("board_reports.id"), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    license_state: Mapped[str] = mapped_column(String(2))
    license_number: Mapped[str] = mapped_column(String(40))
