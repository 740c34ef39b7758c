"""Write a validated CourseSpec to the database: upsert by slug, unpublish what vanished."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from campus.audit.services import record
from campus.errors import UserError
from campus.extensions import db
from campus.markup import render_markdown
from campus.models import utcnow
from course import ce_rules
from course.importer.read_course import CourseSpec, LessonSpec, load_course
from course.importer.sync_assessment import sync_assessment
from course.media import video_type
from course.models import Course, Lesson, Module
from course.signals import course_imported


@dataclass
class ImportReport:
    course: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.unpublished)


def import_course(root: Path, actor=None) -> ImportReport:
    """Validate then upsert one course folder. Refuses (UserError) if any problem is found.

    Every import is audited with its counts (actor None: the command line)."""
    spec, problems = load_course(root)
    if problems or spec is None:
        listing = "\n".join(str(p) for p in problems)
        raise UserError(f"{root.name}: {len(problems)} problem(s), nothing imported:\n{listing}")
    report = ImportReport(course=spec.slug)
    course = _upsert_course(spec, report)
    _sync_modules_and_lessons(course, spec, report)
    sync_assessment(course, spec.assessment, report)
    db.session.flush()
    counts = {k: len(getattr(report, k)) for k in ("created", "updated", "unpublished")}
    record(actor, "course.import", "course", course.id, course_id=course.id, after=counts)
    # The forum (a wing above course) seeds its categories from the same files.
    course_imported.send(course, spec=spec, report=report)
    return report


def _assign(obj, values: dict, report: ImportReport, label: str) -> None:
    """Set only the attributes that differ, so a re-import changes nothing."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    if changed and obj.id is not None and label not in report.created:
        report.updated.append(label)


def _upsert_course(spec: CourseSpec, report: ImportReport) -> Course:
    data = spec.data
    course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
    if course is None:
        course = Course(slug=spec.slug)
        db.session.add(course)
        report.created.append(f"course {spec.slug}")
    instructor = data.get("instructor") or {}
    values = {
        "title": data["title"].strip(),
        "summary": data["summary"].strip(),
        "description_html": str(render_markdown(str(data.get("description") or ""))),
        "objectives": [str(o) for o in data.get("objectives") or []],
        "instructor_name": str(instructor.get("name") or ""),
        "instructor_credentials": str(instructor.get("credentials") or ""),
        "instructor_bio_html": str(render_markdown(str(instructor.get("bio") or ""))),
        "settings": dict(data.get("settings") or {}),
        "ce": ce_rules.stored_ce(data.get("ce")),
        "activity_minutes": int(data.get("activity_minutes") or 0),
        "is_published": bool(data.get("published", True)),
        "is_open": data.get("enrollment", "open") == "open",
    }
    _assign(course, values, report, f"course {spec.slug}")
    if course.id is None:
        db.session.flush()
    elif f"course {spec.slug}" in report.updated:
        course.updated_at = utcnow()
    return course


def _sync_modules_and_lessons(course: Course, spec: CourseSpec, report: ImportReport) -> None:
    modules = {
        m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))
    }
    lessons = {
        lesson.slug: lesson
        for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    seen_modules, seen_lessons = set(), set()
    lesson_position = 0
    for module_position, module_spec in enumerate(spec.modules):
        module = modules.get(module_spec.slug)
        if module is None:
            module = Module(course_id=course.id, slug=module_spec.slug)
            db.session.add(module)
            report.created.append(f"module {module_spec.slug}")
        _assign(
            module,
            {
                "title": module_spec.title,
                "summary": module_spec.summary,
                "position": module_position,
                "is_published": True,
            },
            report,
            f"module {module_spec.slug}",
        )
        if module.id is None:
            db.session.flush()
        seen_modules.add(module_spec.slug)
        for lesson_spec in module_spec.lessons:
            lesson_position += 1
            _upsert_lesson(
                course, module, lessons.get(lesson_spec.slug), lesson_spec, lesson_position, report
            )
            seen_lessons.add(lesson_spec.slug)
    _unpublish_missing(modules, seen_modules, "module", report)
    _unpublish_missing(lessons, seen_lessons, "lesson", report)


def _upsert_lesson(course, module, lesson, spec: LessonSpec, position: int, report) -> None:
    if lesson is None:
        lesson = Lesson(course_id=course.id, slug=spec.slug)
        db.session.add(lesson)
        report.created.append(f"lesson {spec.slug}")
    _assign(
        lesson,
        {
            "module_id": module.id,
            "title": spec.title,
            "summary": spec.summary,
            "body_html": str(render_markdown(spec.body_md)),
            "objectives": spec.objectives,
            "discussion_prompt": spec.discussion_prompt,
            "position": position,
            "duration_seconds": spec.duration,
            "video_file": spec.video,
            "video_type": video_type(spec.video) or "video/mp4",
            "captions_file": spec.captions,
            "captions_lang": spec.captions_lang,
            "resources": spec.resources,
            "is_published": True,
        },
        report,
        f"lesson {spec.slug}",
    )


def _unpublish_missing(rows: dict, seen: set[str], kind: str, report: ImportReport) -> None:
    for slug, row in rows.items():
        if slug not in seen and row.is_published:
            row.is_published = False
            report.unpublished.append(f"{kind} {slug}")


def course_folders(content_dir: Path) -> list[Path]:
    return sorted(p for p in content_dir.iterdir() if (p / "course.yml").is_file())
