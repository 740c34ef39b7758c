"""The district manager's page model: seats and every sponsored learner's progress, in a
fixed number of queries whatever the number of learners (seven)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from campus.accounts.models import User
from campus.enrollment.models import Enrollment, EnrollmentStatus, SeatPack
from campus.exports import spreadsheet_cell
from campus.extensions import db
from campus.jobs.models import Job
from campus.models import utcnow
from campus.organisations.models import Invite, InviteStatus, Organisation, OrganisationManager
from campus.storage import storage
from course.assessment.models import PostTestAttempt
from course.certificates import archive
from course.certificates.models import Certificate
from course.certificates.pdf import certificate_pdf
from course.certificates.queries import ZipExport
from course.models import Course, Lesson
from course.progress.models import LessonProgress

EXPIRING_WITHIN = timedelta(days=30)
STATUS_LABELS = {
    EnrollmentStatus.ACTIVE.value: "Enrolled",
    EnrollmentStatus.COMPLETED.value: "Completed",
    EnrollmentStatus.WITHDRAWN.value: "Withdrawn",
}


@dataclass
class PackRow:
    pack: SeatPack
    course: Course
    claimed: int = 0  # enrollments on the pack's seats
    waiting: int = 0  # invites sent, not yet accepted: seats held, unclaimed
    expiring: bool = False  # within EXPIRING_WITHIN
    expired: bool = False

    @property
    def available(self) -> int:
        return max(self.pack.seats - self.pack.held, 0)

    @property
    def unclaimed(self) -> int:
        return self.pack.seats - self.claimed


@dataclass
class LearnerRow:
    name: str
    email: str
    course: Course
    status: str  # STATUS_LABELS, or Invited
    lessons_done: int = 0
    lessons_total: int = 0
    last_activity: datetime | None = None
    posttest: str = "Not taken"
    certificate: Certificate | None = None
    invite: Invite | None = None  # a waiting invite: re-send it, or free its seat

    @property
    def percent(self) -> int:
        return int(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


@dataclass
class DistrictPage:
    organisation: Organisation
    packs: list[PackRow] = field(default_factory=list)
    learners: list[LearnerRow] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.packs)

    @property
    def bought(self) -> int:
        return sum(row.pack.seats for row in self.packs)

    @property
    def expiring_seats(self) -> int:
        return sum(row.unclaimed for row in self.packs if row.expiring)


def district_page(organisation: Organisation) -> DistrictPage:
    """Packs, then sponsored learners and waiting invites with their progress."""
    now = utcnow()
    page = DistrictPage(organisation)
    packs = (
        db.session.execute(
            select(SeatPack, Course)
            .join(Course, Course.id == SeatPack.course_id)
            .where(SeatPack.organisation_id == organisation.id)
            .order_by(Course.title, SeatPack.id)
        )
        .tuples()
        .all()
    )
    by_pack = {}
    for pack, course in packs:
        row = PackRow(pack, course, expired=pack.is_expired(now))
        row.expiring = (
            not row.expired
            and pack.expires_at is not None
            and (pack.expires_at - now <= EXPIRING_WITHIN)
        )
        by_pack[pack.id] = row
        page.packs.append(row)
    if not by_pack:
        return page
    pack_ids = list(by_pack)
    page.learners = _learner_rows(by_pack, pack_ids) + _waiting_rows(by_pack, pack_ids)
    return page


def _sponsored(pack_ids: list[int]):
    return select(Enrollment.user_id).where(Enrollment.seat_pack_id.in_(pack_ids))


def _learner_rows(by_pack: dict[int, PackRow], pack_ids: list[int]) -> list[LearnerRow]:
    pairs = (
        db.session.execute(
            select(User, Enrollment)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.seat_pack_id.in_(pack_ids))
            .order_by(User.full_name, Enrollment.id)
        )
        .tuples()
        .all()
    )
    course_ids = list({row.course.id for row in by_pack.values()})
    sponsored = _sponsored(pack_ids)
    totals = _lesson_totals(course_ids)
    activity = _activity(course_ids, sponsored)
    posttests = _posttests(course_ids, sponsored)
    certificates = _certificates(course_ids, sponsored)
    rows = []
    for user, enrollment in pairs:
        pack_row = by_pack[enrollment.seat_pack_id]
        pack_row.claimed += 1
        key = (user.id, enrollment.course_id)
        done, last = activity.get(key, (0, None))
        rows.append(
            LearnerRow(
                name=user.full_name,
                email=user.email,
                course=pack_row.course,
                status=STATUS_LABELS.get(enrollment.status, enrollment.status),
                lessons_done=done,
                lessons_total=totals.get(enrollment.course_id, 0),
                last_activity=last,
                posttest=posttests.get(key, "Not taken"),
                certificate=certificates.get(key),
            )
        )
    return rows


def _lesson_totals(course_ids: list[int]) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Lesson.course_id, func.count(Lesson.id))
            .where(Lesson.course_id.in_(course_ids), Lesson.is_published.is_(True))
            .group_by(Lesson.course_id)
        )
        .tuples()
        .all()
    )


def _activity(course_ids, sponsored) -> dict[tuple[int, int], tuple[int, datetime | None]]:
    """(user, course) -> (published lessons completed, last progress recorded)."""
    completed = case(
        (LessonProgress.completed_at.is_not(None) & Lesson.is_published.is_(True), 1), else_=0
    )
    rows = (
        db.session.execute(
            select(
                LessonProgress.user_id,
                LessonProgress.course_id,
                func.sum(completed),
                func.max(LessonProgress.updated_at),
            )
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.course_id.in_(course_ids), LessonProgress.user_id.in_(sponsored))
            .group_by(LessonProgress.user_id, LessonProgress.course_id)
        )
        .tuples()
        .all()
    )
    return {(user, course): (int(done or 0), last) for user, course, done, last in rows}


def _posttests(course_ids, sponsored) -> dict[tuple[int, int], str]:
    rows = (
        db.session.execute(
            select(
                PostTestAttempt.user_id,
                PostTestAttempt.course_id,
                func.count(PostTestAttempt.id),
                func.max(case((PostTestAttempt.is_passed.is_(True), 1), else_=0)),
                func.max(PostTestAttempt.score),
            )
            .where(
                PostTestAttempt.course_id.in_(course_ids),
                PostTestAttempt.user_id.in_(sponsored),
                PostTestAttempt.submitted_at.is_not(None),
            )
            .group_by(PostTestAttempt.user_id, PostTestAttempt.course_id)
        )
        .tuples()
        .all()
    )
    states = {}
    for user, course, attempts, passed, best in rows:
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        score = f"best {round((best or 0) * 100)}%"
        states[(user, course)] = f"{'Passed' if passed else 'Not passed'} ({score}, {tries})"
    return states


def _certificates(course_ids, sponsored) -> dict[tuple[int, int], Certificate]:
    """Each learner's current (latest, unrevoked) certificate per course."""
    found = {}
    rows = db.session.scalars(
        select(Certificate)
        .where(
            Certificate.course_id.in_(course_ids),
            Certificate.user_id.in_(sponsored),
            Certificate.revoked_at.is_(None),
        )
        .order_by(Certificate.issued_at)
    )
    for certificate in rows:
        found[(certificate.user_id, certificate.course_id)] = certificate
    return found


def _waiting_rows(by_pack: dict[int, PackRow], pack_ids: list[int]) -> list[LearnerRow]:
    invites = db.session.scalars(
        select(Invite)
        .where(Invite.seat_pack_id.in_(pack_ids), Invite.status == InviteStatus.PENDING)
        .order_by(Invite.full_name, Invite.id)
    )
    rows = []
    for invite in invites:
        pack_row = by_pack[invite.seat_pack_id]
        pack_row.waiting += 1
        rows.append(
            LearnerRow(
                name=invite.full_name,
                email=invite.email,
                course=pack_row.course,
                status="Invited",
                posttest="",
                invite=invite,
            )
        )
    return rows


ROSTER_HEADER = [
    "Name",
    "Email",
    "Course",
    "Status",
    "Lessons completed",
    "Lessons in course",
    "Last activity (UTC)",
    "Post-test",
    "Certificate",
    "Certificate issued (UTC)",
    "Contact hours",
]


def roster_csv(page: DistrictPage) -> str:
    """The district's roster for its PD records. Every cell goes through spreadsheet_cell:
    names come from uploads and learners, and a leading = must not run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ROSTER_HEADER)
    for row in page.learners:
        certificate = row.certificate
        writer.writerow(
            spreadsheet_cell(value)
            for value in (
                row.name,
                row.email,
                row.course.title,
                row.status,
                row.lessons_done,
                row.lessons_total,
                row.last_activity.strftime("%Y-%m-%d %H:%M") if row.last_activity else "",
                row.posttest,
                certificate.code if certificate else "",
                certificate.issued_at.strftime("%Y-%m-%d") if certificate else "",
                f"{certificate.contact_hours:g}" if certificate else "",
            )
        )
    return out.getvalue()


@dataclass
class OrganisationSummary:
    organisation: Organisation
    managers: int
    seats: int
    held: int


def organisations_overview() -> list[OrganisationSummary]:
    """Every organisation with its manager count and seats, in two queries."""
    managers = (
        select(func.count(OrganisationManager.id))
        .where(OrganisationManager.organisation_id == Organisation.id)
        .scalar_subquery()
    )
    query = select(Organisation, managers).order_by(Organisation.name)
    rows = db.session.execute(query).tuples().all()
    seats = {
        org_id: (total or 0, held or 0)
        for org_id, total, held in db.session.execute(
            select(
                SeatPack.organisation_id, func.sum(SeatPack.seats), func.sum(SeatPack.held)
            ).group_by(SeatPack.organisation_id)
        )
        .tuples()
        .all()
    }
    return [OrganisationSummary(org, count, *seats.get(org.id, (0, 0))) for org, count in rows]


def managers_of(organisation: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(OrganisationManager, OrganisationManager.user_id == User.id)
            .where(OrganisationManager.organisation_id == organisation.id)
            .order_by(User.full_name)
        )
    )


CERTIFICATE_INDEX_HEADER = [
    "Name",
    "Email",
    "Course",
    "Certificate",
    "Completed on",
    "Contact hours",
    "Counts for CE credit",
    "File",
]


def certificates_zip(page: DistrictPage) -> bytes:
    """The district's current certificates for its PD records: one PDF per learner and
    course, named so a folder sorts by person, and index.csv listing them. A SAMPLE
    certificate (course not CE-approved when issued) says so in the index, as on its PDF."""
    buffer = io.BytesIO()
    index = io.StringIO()
    writer = csv.writer(index)
    writer.writerow(CERTIFICATE_INDEX_HEADER)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in page.learners:
            certificate = row.certificate
            if certificate is None:
                continue
            name = _file_safe(f"{row.name} - {row.course.title} - {certificate.code}") + ".pdf"
            archive.writestr(name, certificate_pdf(certificate))
            writer.writerow(
                spreadsheet_cell(value)
                for value in (
                    row.name,
                    row.email,
                    row.course.title,
                    certificate.code,
                    certificate.snapshot.get("completed_on", ""),
                    f"{certificate.contact_hours:g}",
                    "yes" if certificate.counts_for_credit else "no (SAMPLE: course not approved)",
                    name,
                )
            )
        archive.writestr("index.csv", index.getvalue())
    return buffer.getvalue()


def _file_safe(text: str) -> str:
    """A file name every system accepts: no path separators or reserved characters."""
    return "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in text)[:180]


# --- The certificates ZIP, built by a job ------------------------------------------------


def certificates_zip_version(organisation_id: int) -> str:
    """16 hex digits naming the district's certificates as they are now (one query): the
    certificates of learners enrolled on its seats, with each one's code, revocation and
    supersession and the learner's name and email (the ZIP's file names and index), and
    the PDF code (archive.version_of). A certificate issued, revoked or reissued, a learner
    renamed, or a new PDF layout makes a new version."""
    packs = select(SeatPack.id).where(SeatPack.organisation_id == organisation_id)
    rows = db.session.execute(
        select(
            Certificate.code,
            Certificate.revoked_at,
            Certificate.revoked_category,
            Certificate.superseded_by_id,
            User.full_name,
            User.email,
        )
        .join(
            Enrollment,
            (Enrollment.user_id == Certificate.user_id)
            & (Enrollment.course_id == Certificate.course_id),
        )
        .join(User, User.id == Certificate.user_id)
        .where(Enrollment.seat_pack_id.in_(packs))
        .order_by(Certificate.code)
    )
    return archive.version_of(rows)


def certificates_zip_job_key(organisation_id: int, version: str) -> str:
    """The key of the one job that builds this version (campus.jobs.services.enqueue)."""
    return f"districts-certificates-zip:{organisation_id}:{version}"


def certificates_zip_key(organisation_id: int, version: str) -> str:
    """Where campus.storage keeps this version (a folder or a bucket; writes are atomic)."""
    return f"exports/districts/{organisation_id}/{version}.zip"


def certificates_zip_export(organisation_id: int) -> ZipExport:
    """Where the district's ZIP stands, without drawing a PDF (two queries and a stat)."""
    version = certificates_zip_version(organisation_id)
    state = db.session.scalar(
        select(Job.state).where(Job.key == certificates_zip_job_key(organisation_id, version))
    )
    key = certificates_zip_key(organisation_id, version)
    return ZipExport(version, key, state, storage().exists(key))


def packs_expiring_with_unclaimed_seats(now: datetime, within: timedelta) -> list[SeatPack]:
    """Packs still valid that expire within ``within`` and have seats no enrollment claimed
    (waiting invites count as unclaimed: their seats are lost too), in one query."""
    claimed = (
        select(func.count(Enrollment.id))
        .where(Enrollment.seat_pack_id == SeatPack.id)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(SeatPack)
            .where(
                SeatPack.expires_at > now,
                SeatPack.expires_at <= now + within,
                SeatPack.seats > claimed,
            )
            .order_by(SeatPack.id)
        )
    )


def unclaimed_seats(pack: SeatPack) -> int:
    claimed = db.session.scalar(
        select(func.count(Enrollment.id)).where(Enrollment.seat_pack_id == pack.id)
    )
    return pack.seats - claimed
