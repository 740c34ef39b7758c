"""Read models for course pages: outlines, hours, transcripts, dashboards (constant queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import current_app
from markupsafe import Markup
from sqlalchemy import bindparam, func, select

from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.enrollment.queries import find_enrollment, is_enrolled
from campus.extensions import db
from campus.organisations.queries import sponsors
from course import ce_rules
from course.captions import CaptionError, parse_vtt
from course.delivery import course_root
from course.models import Course, Lesson, Module


def published_courses_query():
    return select(Course).where(Course.is_published.is_(True)).order_by(Course.title)


PUBLISHED_MODULES = (
    select(Module)
    .where(Module.course_id == bindparam("course_id"), Module.is_published.is_(True))
    .order_by(Module.position)
)
PUBLISHED_LESSONS = (
    select(Lesson)
    .where(Lesson.course_id == bindparam("course_id"), Lesson.is_published.is_(True))
    .order_by(Lesson.position)
)


def course_outline(course_id: int) -> list[tuple[Module, list[Lesson]]]:
    """A course's published modules with their published lessons, in two queries."""
    modules = db.session.scalars(PUBLISHED_MODULES, {"course_id": course_id}).all()
    lessons = db.session.scalars(PUBLISHED_LESSONS, {"course_id": course_id}).all()
    by_module: dict[int, list[Lesson]] = {m.id: [] for m in modules}
    for lesson in lessons:
        if lesson.module_id in by_module:
            by_module[lesson.module_id].append(lesson)
    return [(module, by_module[module.id]) for module in modules]


def contact_minutes(course: Course, lessons: list[Lesson]) -> float:
    """Contact time: the published lessons' media plus declared activity time."""
    return sum(lesson.duration_seconds for lesson in lessons) / 60 + (course.activity_minutes or 0)


@dataclass
class CourseSummary:
    course: Course
    lesson_count: int
    contact_hours: float


@dataclass
class CoursePage:
    outline: list[tuple[Module, list[Lesson]]]
    contact_hours: float
    lesson_count: int
    video_seconds: float
    enrollment: Enrollment | None
    can_view: bool
    can_leave: bool = False  # an active enrollment: the learner may leave
    can_redeem: bool = False  # signed in, not staff, not enrolled: a code form is offered
    sponsor: str | None = None  # the organisation whose seat this enrollment is on
    extras: dict = field(default_factory=dict)


@dataclass
class LessonPage:
    outline: list[tuple[Module, list[Lesson]]]
    module: Module
    previous: Lesson | None
    next: Lesson | None
    transcript: Markup
    extras: dict = field(default_factory=dict)


def hours_from_minutes(minutes: float) -> float:
    return round(minutes / 60, 2)


def catalog_summaries(courses: list[Course]) -> list[CourseSummary]:
    """Lesson counts and media seconds for every course in one grouped query."""
    totals = dict(
        (course_id, (count, seconds))
        for course_id, count, seconds in db.session.execute(
            select(
                Lesson.course_id,
                func.count(Lesson.id),
                func.coalesce(func.sum(Lesson.duration_seconds), 0),
            )
            .where(Lesson.is_published.is_(True))
            .group_by(Lesson.course_id)
        )
    )
    summaries = []
    for course in courses:
        count, seconds = totals.get(course.id, (0, 0))
        minutes = seconds / 60 + (course.activity_minutes or 0)
        summaries.append(CourseSummary(course, count, ce_rules.contact_hours(course.ce, minutes)))
    return summaries


def course_page_data(course: Course, user) -> CoursePage:
    outline = course_outline(course.id)
    lessons = [lesson for _, module_lessons in outline for lesson in module_lessons]
    enrollment = find_enrollment(user.id, course.id) if user.is_authenticated else None
    return CoursePage(
        outline=outline,
        contact_hours=ce_rules.contact_hours(course.ce, contact_minutes(course, lessons)),
        lesson_count=len(lessons),
        video_seconds=sum(lesson.duration_seconds for lesson in lessons),
        enrollment=enrollment,
        can_view=user.is_authenticated and (user.is_staff or _is_active(enrollment)),
        can_leave=user.is_authenticated and _is_active(enrollment),
        can_redeem=user.is_authenticated and not user.is_staff and not _is_active(enrollment),
        sponsor=_sponsor(enrollment),
    )


def _sponsor(enrollment: Enrollment | None) -> str | None:
    if enrollment is None or enrollment.seat_pack_id is None:
        return None
    return sponsors([enrollment.seat_pack_id]).get(enrollment.seat_pack_id)


def _is_active(enrollment: Enrollment | None) -> bool:
    return enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN


def lesson_page_data(course: Course, lesson: Lesson, user) -> LessonPage:
    """For a user access.get_viewable_lesson let in: a learner it admits is enrolled (so
    their progress is tracked without asking again); staff are tracked only if enrolled."""
    outline = course_outline(course.id)
    ordered = [item for _, module_lessons in outline for item in module_lessons]
    index = next((i for i, item in enumerate(ordered) if item.id == lesson.id), None)
    module = next((m for m, _ in outline if m.id == lesson.module_id), lesson.module)
    return LessonPage(
        outline=outline,
        module=module,
        previous=ordered[index - 1] if index else None,
        next=ordered[index + 1] if index is not None and index + 1 < len(ordered) else None,
        transcript=transcript_html(course_root(course) / lesson.captions_file),
        extras={"tracks_progress": not user.is_staff or is_enrolled(user.id, course.id)},
    )


def transcript_html(path: Path) -> Markup:
    """The transcript's lines as HTML, rendered once per captions file version: a pure
    function of the file (no viewer, no access decision), and a long lesson has hundreds
    of lines. Empty when the file is missing or unreadable."""
    try:
        return _rendered_transcript(str(path), path.stat().st_mtime_ns)
    except (OSError, CaptionError):
        return Markup("")


@lru_cache(maxsize=256)
def _rendered_transcript(path: str, _mtime: int) -> Markup:
    cues = parse_vtt(Path(path).read_text(encoding="utf-8"))
    template = current_app.jinja_env.get_template("course/_transcript.html")
    return Markup(template.render(cues=cues))  # noqa: S704 (autoescaped template output)


def dashboard_rows(user) -> list[tuple[Enrollment, Course]]:
    """Every course the user is enrolled in, newest first, in one query."""
    return list(
        db.session.execute(
            select(Enrollment, Course)
            .join(Course, Course.id == Enrollment.course_id)
            .where(Enrollment.user_id == user.id, Enrollment.status != EnrollmentStatus.WITHDRAWN)
            .order_by(Enrollment.enrolled_at.desc())
        ).tuples()
    )


def course_titles(ids: set[int] | None) -> dict[int, str]:
    """Course titles by id (every course for None), for the audit log: one query."""
    query = select(Course.id, Course.title)
    if ids is not None:
        query = query.where(Course.id.in_(ids))
    return dict(db.session.execute(query).tuples().all())
