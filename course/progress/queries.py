"""Read models for progress on pages: lesson, module and course percentages, time watched
and "continue where you left off", each page in a constant number of queries."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, case, exists, func, or_, select

from campus.accounts.models import User
from campus.enrollment.models import Enrollment, EnrollmentStatus
from campus.exports import spreadsheet_cell
from campus.extensions import db
from campus.paging import PageWindow, clamp_page
from campus.timezones import zone_of
from course.models import Course, Lesson, Module
from course.progress import rules
from course.progress.models import LessonProgress, ProgressRefusal, TimeOnTask


@dataclass
class LessonStatus:
    lesson: Lesson
    watched_seconds: float = 0.0
    position_seconds: float = 0.0
    completed: bool = False
    updated_at: datetime | None = None
    viewing_seconds: float = 0.0

    @property
    def note(self) -> str:
        """Why the lesson is not complete yet ("" when it is): coverage or real viewing time."""
        if self.completed:
            return ""
        return rules.completion_note(
            self.lesson.course,
            self.lesson.duration_seconds,
            self.watched_seconds,
            self.viewing_seconds,
        )

    @property
    def percent(self) -> int:
        return (
            100 if self.completed else percent(self.watched_seconds, self.lesson.duration_seconds)
        )

    @property
    def credit_seconds(self) -> float:
        """Seconds toward module and course percentages: a completed lesson counts in full."""
        duration = self.lesson.duration_seconds
        return duration if self.completed else min(self.watched_seconds, duration)

    @property
    def started(self) -> bool:
        return self.watched_seconds > 0 or self.position_seconds > 0


@dataclass
class CourseProgress:
    course: Course
    lessons: dict[int, LessonStatus] = field(default_factory=dict)
    modules: dict[int, int] = field(default_factory=dict)  # module id -> percent
    ordered: list[LessonStatus] = field(default_factory=list)

    @property
    def watched_seconds(self) -> float:
        return sum(min(s.watched_seconds, s.lesson.duration_seconds) for s in self.ordered)

    @property
    def credit_seconds(self) -> float:
        return sum(s.credit_seconds for s in self.ordered)

    @property
    def total_seconds(self) -> float:
        return sum(s.lesson.duration_seconds for s in self.ordered)

    @property
    def percent(self) -> int:
        return percent(self.credit_seconds, self.total_seconds)

    @property
    def completed_count(self) -> int:
        return sum(1 for s in self.ordered if s.completed)

    @property
    def resume(self) -> LessonStatus | None:
        """The most recently watched unfinished lesson, else the first unfinished one."""
        unfinished = [s for s in self.ordered if not s.completed]
        started = [s for s in unfinished if s.updated_at is not None and s.started]
        if started:
            return max(started, key=lambda s: s.updated_at)
        return unfinished[0] if unfinished else None


PROGRESS_ROWS = select(LessonProgress).where(
    LessonProgress.user_id == bindparam("user_id"),
    LessonProgress.course_id.in_(bindparam("course_ids", expanding=True)),
)


def progress_rows(user_id: int, course_ids: list[int]) -> list[LessonProgress]:
    if not course_ids:
        return []
    return list(
        db.session.scalars(PROGRESS_ROWS, {"user_id": user_id, "course_ids": list(course_ids)})
    )


def build_course_progress(
    course: Course, outline: list[tuple[Module, list[Lesson]]], rows: list[LessonProgress]
) -> CourseProgress:
    """Pure assembly from already loaded outline and progress rows (no queries)."""
    by_lesson = {row.lesson_id: row for row in rows}
    result = CourseProgress(course)
    for module, lessons in outline:
        statuses = []
        for lesson in lessons:
            row = by_lesson.get(lesson.id)
            status = LessonStatus(lesson)
            if row is not None:
                status = LessonStatus(
                    lesson,
                    row.watched_seconds,
                    row.position_seconds,
                    row.completed_at is not None,
                    row.updated_at,
                    row.viewing_seconds,
                )
            statuses.append(status)
            result.lessons[lesson.id] = status
        result.ordered.extend(statuses)
        credit = sum(s.credit_seconds for s in statuses)
        total = sum(s.lesson.duration_seconds for s in statuses)
        result.modules[module.id] = percent(credit, total)
    return result


def course_progress(user, course: Course, outline) -> CourseProgress | None:
    """A signed-in learner's progress in one course (one query), None for anonymous users."""
    if not user.is_authenticated:
        return None
    return build_course_progress(course, outline, progress_rows(user.id, [course.id]))


def dashboard_progress(user, courses: list[Course]) -> dict[int, CourseProgress]:
    """Progress in every listed course in three queries, however many courses and lessons."""
    ids = [course.id for course in courses]
    if not ids:
        return {}
    modules = db.session.scalars(
        select(Module)
        .where(Module.course_id.in_(ids), Module.is_published.is_(True))
        .order_by(Module.position)
    ).all()
    lessons = db.session.scalars(
        select(Lesson)
        .where(Lesson.course_id.in_(ids), Lesson.is_published.is_(True))
        .order_by(Lesson.position)
    ).all()
    rows = progress_rows(user.id, ids)
    result = {}
    for course in courses:
        outline = [
            (m, [lesson for lesson in lessons if lesson.module_id == m.id])
            for m in modules
            if m.course_id == course.id
        ]
        mine = [row for row in rows if row.course_id == course.id]
        result[course.id] = build_course_progress(course, outline, mine)
    return result


REFUSALS_SHOWN = 200


@dataclass
class LearnerRow:
    """A learner on the staff list: only the columns it shows, not whole rows."""

    user_id: int
    name: str
    email: str
    enrolled_at: datetime
    real_seconds: float = 0.0  # time-on-task: real viewing time
    completed_lessons: int = 0


@dataclass
class LearnerReport:
    # (day, lesson title, media seconds newly covered, real seconds or None if not measured)
    days: list[tuple] = field(default_factory=list)
    refusals: list[tuple] = field(default_factory=list)  # (ProgressRefusal, lesson title)
    progress: list[tuple] = field(default_factory=list)  # (Lesson, LessonProgress | None)

    @property
    def total_seconds(self) -> float:
        return sum(seconds for _, _, seconds, _ in self.days)

    @property
    def total_real_seconds(self) -> float:
        return sum(real or 0.0 for _, _, _, real in self.days)


LEARNER_SORTS = {"name": "Name, A to Z", "recent": "Most recently enrolled"}
SEARCH_MAX_LENGTH = 100
WITHDRAWN_SHOWN = 50


def learners_per_page() -> int:
    return current_app.config["LEARNERS_PER_PAGE"]


@dataclass(frozen=True)
class LearnerListArgs:
    """What staff asked of the learner list: a search by name or email, a sort, a page."""

    search: str = ""
    sort: str = "name"
    page: int = 1


@dataclass
class LearnerPage(PageWindow):
    """One page of a course's enrolled learners, and the first withdrawn ones that match."""

    args: LearnerListArgs
    page: int
    pages: int
    enrolled: int  # every enrolled learner, whatever the search
    matching: int  # enrolled learners the search matches (all of them without a search)
    withdrawn_matching: int
    rows: list[LearnerRow] = field(default_factory=list)
    withdrawn: list[LearnerRow] = field(default_factory=list)

    @property
    def per_page(self) -> int:
        return learners_per_page()

    @property
    def shown(self) -> int:
        return len(self.rows)


def learner_page(course: Course, args: LearnerListArgs) -> LearnerPage:
    """A page of enrolled learners with their figures, and the first withdrawn ones that
    match, in at most four queries however many learners the course has: the counts, each
    list's ids (from an index, never a sort of the whole course), then the rows and figures
    of those ids alone."""
    enrolled, matching, withdrawn_matching = _learner_counts(course.id, args.search)
    size = learners_per_page()
    page, pages = clamp_page(args.page, matching, size)
    result = LearnerPage(args, page, pages, enrolled, matching, withdrawn_matching)
    active_ids = withdrawn_ids = []
    if matching:
        active_ids = _page_ids(course.id, False, matching, args, (page - 1) * size, size)
    if withdrawn_matching:
        by_name = LearnerListArgs(args.search)
        withdrawn_ids = _page_ids(course.id, True, withdrawn_matching, by_name, 0, WITHDRAWN_SHOWN)
    rows = _learner_rows(course.id, active_ids + withdrawn_ids)
    result.rows = [rows[user_id] for user_id in active_ids]
    result.withdrawn = [rows[user_id] for user_id in withdrawn_ids]
    return result


# Up to this many learners the database sorts them by name faster than it walks the
# users(full_name) index looking for them (which costs in proportion to every user on the
# site, enrolled here or not); beyond it, the walk stops after the page and the sort would
# read the whole course. SQLite has no statistics to choose this itself.
SORTED_IN_MEMORY = 1_000


def _is_withdrawn():
    return Enrollment.status == EnrollmentStatus.WITHDRAWN


def _matches(search: str):
    """Name or email contains the search, any case; % and _ are matched as themselves."""
    return or_(
        User.full_name.icontains(search, autoescape=True),
        User.email.icontains(search, autoescape=True),
    )


def _learner_counts(course_id: int, search: str) -> tuple[int, int, int]:
    """(enrolled, enrolled matching, withdrawn matching) in one query; without a search, a
    count over the enrollments(course_id, status) index alone."""
    if not search:
        by_status = dict(
            db.session.execute(
                select(Enrollment.status, func.count())
                .where(Enrollment.course_id == course_id)
                .group_by(Enrollment.status)
            )
            .tuples()
            .all()
        )
        withdrawn = by_status.pop(EnrollmentStatus.WITHDRAWN.value, 0)
        enrolled = sum(by_status.values())
        return enrolled, enrolled, withdrawn

    def count(flag):
        return func.count(case((flag, 1)))

    match = _matches(search)
    row = db.session.execute(
        select(
            count(~_is_withdrawn()),
            count(~_is_withdrawn() & match),
            count(_is_withdrawn() & match),
        )
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.course_id == course_id)
    ).one()
    return row[0], row[1], row[2]


def _page_ids(
    course_id: int, withdrawn: bool, count: int, args: LearnerListArgs, offset: int, limit: int
) -> list[int]:
    """The user ids of one page of a list, in its order, in one indexed query."""
    in_list = (
        Enrollment.course_id == course_id,
        _is_withdrawn() if withdrawn else ~_is_withdrawn(),
    )
    if args.sort == "recent":  # enrollments(course_id, enrolled_at, id), newest first
        query = (
            select(Enrollment.user_id)
            .where(*in_list)
            .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
        )
        if args.search:
            query = query.join(User, User.id == Enrollment.user_id)
    elif count <= SORTED_IN_MEMORY:
        query = (
            select(User.id)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(*in_list)
            .order_by(User.full_name, User.id)
        )
    else:  # users(full_name, id), each checked for an enrollment here
        enrolled_here = select(Enrollment.id).where(Enrollment.user_id == User.id, *in_list)
        query = select(User.id).where(enrolled_here.exists()).order_by(User.full_name, User.id)
    if args.search:
        query = query.where(_matches(args.search))
    return list(db.session.scalars(query.offset(offset).limit(limit)))


def _learner_rows(course_id: int, user_ids: list[int]) -> dict[int, LearnerRow]:
    """Name, email, enrolment date, time on task and lessons complete of these learners
    only, in one query: the figures are correlated sums over (course_id, user_id)."""
    if not user_ids:
        return {}
    real = (
        select(func.coalesce(func.sum(func.coalesce(TimeOnTask.real_seconds, 0.0)), 0.0))
        .where(TimeOnTask.course_id == course_id, TimeOnTask.user_id == User.id)
        .scalar_subquery()
    )
    completed = (
        select(func.count(LessonProgress.id))
        .where(
            LessonProgress.course_id == course_id,
            LessonProgress.user_id == User.id,
            LessonProgress.completed_at.is_not(None),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(User.id, User.full_name, User.email, Enrollment.enrolled_at, real, completed)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(
            Enrollment.course_id == course_id,
            Enrollment.user_id.in_(user_ids),
            User.id.in_(user_ids),  # said twice: PostgreSQL carries no IN list across a join
        )
    ).tuples()
    return {row[0]: LearnerRow(*row) for row in rows}


def learner_report(course: Course, learner: User) -> LearnerReport:
    days = (
        db.session.execute(
            select(
                TimeOnTask.day, Lesson.title, TimeOnTask.credited_seconds, TimeOnTask.real_seconds
            )
            .join(Lesson, Lesson.id == TimeOnTask.lesson_id)
            .where(TimeOnTask.user_id == learner.id, TimeOnTask.course_id == course.id)
            .order_by(TimeOnTask.day, Lesson.position)
        )
        .tuples()
        .all()
    )
    refusals = (
        db.session.execute(
            select(ProgressRefusal, Lesson.title)
            .join(Lesson, Lesson.id == ProgressRefusal.lesson_id)
            .where(ProgressRefusal.user_id == learner.id, ProgressRefusal.course_id == course.id)
            .order_by(ProgressRefusal.created_at.desc())
            .limit(REFUSALS_SHOWN)
        )
        .tuples()
        .all()
    )
    progress = (
        db.session.execute(
            select(Lesson, LessonProgress)
            .outerjoin(
                LessonProgress,
                (LessonProgress.lesson_id == Lesson.id) & (LessonProgress.user_id == learner.id),
            )
            .where(Lesson.course_id == course.id, Lesson.is_published.is_(True))
            .order_by(Lesson.position)
        )
        .tuples()
        .all()
    )
    return LearnerReport(list(days), list(refusals), list(progress))


def ledger_csv(course: Course, learner: User, report: LearnerReport) -> str:
    """One row per learner-day and lesson; the day is the learner's, in the named zone.

    credited_* is media newly covered; real_* is time-on-task, real seconds of viewing.
    """
    zone = str(zone_of(learner))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "learner",
            "email",
            "course",
            "date",
            "time_zone",
            "lesson",
            "credited_seconds",
            "credited_minutes",
            "real_seconds",
            "real_minutes",
        ]
    )
    for day, title, seconds, real in report.days:
        writer.writerow(
            [
                spreadsheet_cell(learner.full_name),
                spreadsheet_cell(learner.email),
                spreadsheet_cell(course.title),
                day.isoformat(),
                zone,
                spreadsheet_cell(title),
                f"{seconds:.1f}",
                f"{seconds / 60:.2f}",
                "" if real is None else f"{real:.1f}",  # blank: before real time was measured
                "" if real is None else f"{real / 60:.2f}",
            ]
        )
    writer.writerow(
        [
            "total",
            "",
            "",
            "",
            "",
            "",
            f"{report.total_seconds:.1f}",
            f"{report.total_seconds / 60:.2f}",
            f"{report.total_real_seconds:.1f}",
            f"{report.total_real_seconds / 60:.2f}",
        ]
    )
    return out.getvalue()


def percent(watched: float, duration: float) -> int:
    if duration <= 0:
        return 0
    return min(100, int(watched / duration * 100))


@dataclass(frozen=True)
class LessonCounts:
    """Published lessons per course, and how many of them the learner has completed."""

    total: dict[int, int]
    done: dict[int, int]

    def all_done(self, course_id: int) -> bool:
        total = self.total.get(course_id, 0)
        return total > 0 and self.done.get(course_id, 0) >= total


def lesson_counts(user_id: int, course_ids: list[int]) -> LessonCounts:
    """The one rule for "lessons watched", in two queries for any number of courses.

    The post-test gate, the certificate and the checklists on the course page and the
    dashboard all count through here: only published lessons count, and a lesson is done
    when enough of it was actually watched (LessonProgress.completed_at).
    """
    published = (Lesson.course_id.in_(course_ids), Lesson.is_published.is_(True))
    total = select(Lesson.course_id, func.count(Lesson.id)).where(*published)
    done = (
        select(Lesson.course_id, func.count(LessonProgress.id))
        .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .where(
            *published,
            LessonProgress.user_id == user_id,
            LessonProgress.completed_at.is_not(None),
        )
    )
    return LessonCounts(
        dict(db.session.execute(total.group_by(Lesson.course_id)).tuples().all()),
        dict(db.session.execute(done.group_by(Lesson.course_id)).tuples().all()),
    )


def required_lessons_complete(user_id: int, course_id: int) -> bool:
    """True when every published lesson of the course is complete for this learner."""
    return lesson_counts(user_id, [course_id]).all_done(course_id)


def has_started(user_id: int, course_id: int) -> bool:
    """Whether the learner watched any of the course (a seat they learned on stays used)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    LessonProgress.user_id == user_id,
                    LessonProgress.course_id == course_id,
                    LessonProgress.watched_seconds > 0,
                )
            )
        )
    )
