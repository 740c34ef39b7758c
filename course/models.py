"""Courses, modules and lessons: imported from content/ files, never deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campus.extensions import db
from campus.models import utcnow
from course import ce_rules

# The one home of a course's setting defaults: the server, the templates and the player
# (through data attributes the lesson page always sets) read them through Course.setting.
DEFAULT_SETTINGS: dict[str, Any] = {
    "completion_threshold": 0.9,
    "max_playback_rate": 2.0,
    # Real viewing time is credited up to this playback rate (course/progress/rules.py).
    "credit_rate": 1.0,
    "daily_cap_hours": None,
}


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list] = mapped_column(JSON, default=list)
    instructor_name: Mapped[str] = mapped_column(String(200), default="")
    instructor_credentials: Mapped[str] = mapped_column(String(200), default="")
    instructor_bio_html: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    ce: Mapped[dict] = mapped_column(JSON, default=dict)
    activity_minutes: Mapped[int] = mapped_column(default=0)
    is_published: Mapped[bool] = mapped_column(default=True)
    is_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position"
    )

    def setting(self, name: str) -> Any:
        """The course's value for a setting, or its default when unset (a stored null too)."""
        value = (self.settings or {}).get(name)
        return DEFAULT_SETTINGS.get(name) if value is None else value

    @property
    def max_playback_rate(self) -> float:
        """The fastest playback rate that still earns credit (the player offers no faster)."""
        return float(self.setting("max_playback_rate"))

    @property
    def completion_threshold(self) -> float:
        """The fraction of a lesson's video that must really be watched for it to count."""
        return float(self.setting("completion_threshold"))

    @property
    def daily_cap_hours(self) -> float | None:
        """Hours a learner may be credited per day of their own calendar, or None for no cap."""
        cap = self.setting("daily_cap_hours")
        return float(cap) if cap else None

    @property
    def missing_ce_fields(self) -> list[str]:
        """Required CE fields this course lacks, so it refuses certificates (staff see a
        warning while any are missing). A course without a ce: section offers none: []."""
        if not self.ce or ce_rules.issues_samples(self.ce):  # a draft issues SAMPLEs instead
            return []
        return ce_rules.missing_ce_fields(self.ce)

    @property
    def ce_status(self) -> str:
        """draft, pending or approved (course/ce_rules.py); only approved claims CE credit."""
        return ce_rules.ce_status(self.ce)

    @property
    def ce_approved(self) -> bool:
        return ce_rules.is_approved(self.ce)

    @property
    def instructor_display(self) -> str:
        if self.instructor_credentials:
            return f"{self.instructor_name}, {self.instructor_credentials}"
        return self.instructor_name


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    is_published: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list] = mapped_column(JSON, default=list)
    discussion_prompt: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    duration_seconds: Mapped[float] = mapped_column(default=0.0)
    video_file: Mapped[str] = mapped_column(String(300), default="")
    video_type: Mapped[str] = mapped_column(String(50), default="video/mp4")
    captions_file: Mapped[str] = mapped_column(String(300), default="")
    captions_lang: Mapped[str] = mapped_column(String(20), default="en")
    resources: Mapped[list] = mapped_column(JSON, default=list)
    is_published: Mapped[bool] = mapped_column(default=True)

    module: Mapped[Module] = relationship(back_populates="lessons")
    course: Mapped[Course] = relationship()

    def resource_named(self, name: str) -> dict | None:
        return next((r for r in self.resources or [] if r.get("name") == name), None)
