"""The audit packet's files, each read in a fixed number of queries whatever the number of
learners (a test counts them at 10 and 50 learners), and the packet page's state."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from campus.accounts.models import User
from campus.enrollment.models import Enrollment
from campus.exports import spreadsheet_cell
from campus.extensions import db
from campus.jobs.models import Job, JobState
from course.assessment.models import EvaluationResponse, PostTestAttempt, PostTestQuestion
from course.certificates.models import (
    BoardReport,
    BoardReportEntry,
    Certificate,
    CertificateEvent,
)
from course.certificates.pdf import pdf_filename, render_certificate, verify_url
from course.models import Course, Lesson, Module
from course.progress.models import TimeOnTask
from course.records.models import AuditPacket


@dataclass(frozen=True)
class Range:
    """A date range, both days included, as the UTC instants that bound it."""

    starts_on: date
    ends_on: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.starts_on, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:  # exclusive
        return datetime.combine(self.ends_on + timedelta(days=1), time.min, tzinfo=UTC)

    def holds(self, column):
        return (column >= self.start) & (column < self.end)


def csv_text(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """A CSV with every cell through spreadsheet_cell (no formula runs when opened)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def _iso(value) -> str:
    return "" if value is None else value.isoformat()


# ---- the files -------------------------------------------------------------------------


def course_file(course: Course, span: Range) -> bytes:
    """course.json: the course as it is at packing time, with a hash of its content (its CE
    block, modules and lessons with their durations) so two packets show whether it changed."""
    lessons = db.session.execute(
        select(Module.slug, Module.title, Lesson.slug, Lesson.title, Lesson.duration_seconds,
               Lesson.video_file, Lesson.is_published)
        .join(Lesson, Lesson.module_id == Module.id)
        .where(Module.course_id == course.id)
        .order_by(Module.position, Lesson.position)
    ).all()  # fmt: skip
    content = {
        "slug": course.slug,
        "title": course.title,
        "activity_minutes": course.activity_minutes,
        "ce": course.ce,
        "lessons": [
            {"module": m_slug, "module_title": m_title, "lesson": slug, "title": title,
             "duration_seconds": seconds, "video_file": video, "published": published}
            for m_slug, m_title, slug, title, seconds, video, published in lessons
        ],
    }  # fmt: skip
    canonical = json.dumps(content, sort_keys=True, default=str).encode()
    document = {
        "content_version_sha256": hashlib.sha256(canonical).hexdigest(),
        "range": {"from": span.starts_on.isoformat(), "to": span.ends_on.isoformat()},
        "packed_at": datetime.now(UTC).isoformat(),
        **content,
    }
    return json.dumps(document, indent=2, sort_keys=True, default=str).encode()


def _learner_ids(course_id: int, span: Range):
    """Who the packet covers: enrolled by the range's end, or certified within it."""
    enrolled = select(Enrollment.user_id).where(
        Enrollment.course_id == course_id, Enrollment.enrolled_at < span.end
    )
    certified = select(Certificate.user_id).where(
        Certificate.course_id == course_id, span.holds(Certificate.issued_at)
    )
    return enrolled.union(certified)


def roster_file(course_id: int, span: Range) -> bytes:
    rows = db.session.execute(
        select(User.id, User.full_name, User.email, User.license_state, User.license_number,
               Enrollment.enrolled_at, Enrollment.status)
        .outerjoin(Enrollment, (Enrollment.user_id == User.id)
                   & (Enrollment.course_id == course_id))
        .where(User.id.in_(_learner_ids(course_id, span)))
        .order_by(User.full_name, User.id)
    ).all()  # fmt: skip
    return csv_text(
        ["user_id", "full_name", "email", "license_state", "license_number", "enrolled_at",
         "enrollment_status"],
        ([uid, name, email, state or "", number or "", _iso(at), status or ""]
         for uid, name, email, state, number, at, status in rows),
    )  # fmt: skip


def time_on_task_file(course_id: int, span: Range) -> bytes:
    rows = db.session.execute(
        select(TimeOnTask.user_id, TimeOnTask.day,
               func.sum(TimeOnTask.credited_seconds), func.sum(TimeOnTask.real_seconds))
        .where(TimeOnTask.course_id == course_id,
               TimeOnTask.day >= span.starts_on, TimeOnTask.day <= span.ends_on)
        .group_by(TimeOnTask.user_id, TimeOnTask.day)
        .order_by(TimeOnTask.user_id, TimeOnTask.day)
    ).all()  # fmt: skip
    return csv_text(
        ["user_id", "day", "credited_seconds", "real_seconds"],
        ([uid, day.isoformat(), round(credited or 0, 1), round(real or 0, 1)]
         for uid, day, credited, real in rows),
    )  # fmt: skip


def attempts_file(course_id: int, span: Range) -> bytes:
    """One row per answered question of each submitted attempt, with the attempt's score."""
    questions = {
        q.id: q for q in db.session.scalars(
            select(PostTestQuestion).where(PostTestQuestion.course_id == course_id))
    }  # fmt: skip
    attempts = db.session.scalars(
        select(PostTestAttempt)
        .where(PostTestAttempt.course_id == course_id, span.holds(PostTestAttempt.started_at))
        .order_by(PostTestAttempt.user_id, PostTestAttempt.number)
    )

    def rows():
        for attempt in attempts:
            for placed in attempt.layout or [{"question": None}]:
                question = questions.get(placed["question"])
                chosen = (attempt.answers or {}).get(str(placed["question"]), [])
                yield [
                    attempt.user_id, attempt.number, _iso(attempt.started_at),
                    _iso(attempt.submitted_at),
                    "" if attempt.score is None else round(attempt.score, 4),
                    attempt.pass_mark, "yes" if attempt.is_passed else "no",
                    question.key if question else "", question.prompt if question else "",
                    ";".join(map(str, chosen)),
                    ";".join(map(str, question.correct)) if question else "",
                    "" if question is None else
                    ("yes" if sorted(map(str, chosen)) == sorted(map(str, question.correct))
                     else "no"),
                ]  # fmt: skip

    return csv_text(
        ["user_id", "attempt", "started_at", "submitted_at", "score", "pass_mark", "passed",
         "question_key", "question", "chosen", "correct", "answered_correctly"],
        rows(),
    )  # fmt: skip


def evaluations_file(course_id: int, span: Range) -> bytes:
    responses = db.session.scalars(
        select(EvaluationResponse)
        .where(EvaluationResponse.course_id == course_id,
               span.holds(EvaluationResponse.submitted_at))
        .order_by(EvaluationResponse.user_id)
    )  # fmt: skip
    return csv_text(
        ["user_id", "submitted_at", "reported_minutes", "answers_json"],
        ([r.user_id, _iso(r.submitted_at),
          "" if r.reported_minutes is None else r.reported_minutes,
          json.dumps(r.answers, sort_keys=True)] for r in responses),
    )  # fmt: skip


def _certificates(course_id: int, span: Range) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.course_id == course_id, span.holds(Certificate.issued_at))
            .order_by(Certificate.issued_at, Certificate.id)
        )
    )


def original_pdf(certificate: Certificate) -> bytes:
    """The PDF as issued: the frozen snapshot drawn with status "valid", never the
    REVOKED/SUPERSEDED-stamped copy a download gives today."""
    return render_certificate(certificate.snapshot, certificate.code, verify_url(certificate.code))


def certificate_files(course_id: int, span: Range) -> Iterable[tuple[str, bytes]]:
    """Each original PDF under pdfs/, then certificates.csv with each PDF's SHA-256."""
    certificates = _certificates(course_id, span)
    listed = []
    for certificate in certificates:
        data = original_pdf(certificate)
        name = f"pdfs/{pdf_filename(certificate)}"
        yield name, data
        listed.append((certificate, name, hashlib.sha256(data).hexdigest()))
    yield "certificates.csv", csv_text(
        ["code", "user_id", "learner_name", "sequence", "issued_at", "status", "sample",
         "contact_hours", "replaces_code", "superseded_by_code", "pdf_file", "pdf_sha256"],
        _certificate_rows(listed),
    )  # fmt: skip


def _certificate_rows(listed):
    codes = dict(
        db.session.execute(
            select(Certificate.id, Certificate.code).where(
                Certificate.id.in_(
                    [c.replaces_id for c, _, _ in listed if c.replaces_id]
                    + [c.superseded_by_id for c, _, _ in listed if c.superseded_by_id]
                )
            )
        ).all()
    )
    for c, name, digest in listed:
        yield [
            c.code, c.user_id, c.snapshot.get("learner_name", ""), c.sequence, _iso(c.issued_at),
            c.state.value, "yes" if c.is_sample else "no", c.contact_hours,
            codes.get(c.replaces_id, ""), codes.get(c.superseded_by_id, ""), name, digest,
        ]  # fmt: skip


def revocations_file(course_id: int, span: Range) -> bytes:
    """Every revocation and reissue recorded in the range, with its reason and actor: a
    reissue is two rows, "superseded" on the old code (with the reason) and "reissued" on
    the new one."""
    rows = db.session.execute(
        select(CertificateEvent.created_at, CertificateEvent.action, Certificate.code,
               Certificate.user_id, Certificate.revoked_category, CertificateEvent.note,
               User.email)
        .join(Certificate, Certificate.id == CertificateEvent.certificate_id)
        .outerjoin(User, User.id == CertificateEvent.actor_id)
        .where(Certificate.course_id == course_id,
               CertificateEvent.action.in_(("revoked", "superseded", "reissued")),
               span.holds(CertificateEvent.created_at))
        .order_by(CertificateEvent.created_at, CertificateEvent.id)
    ).all()  # fmt: skip
    return csv_text(
        ["at", "action", "certificate_code", "user_id", "category", "reason", "by"],
        ([_iso(at), action, code, uid, category if action == "revoked" else "", note,
          by or ""] for at, action, code, uid, category, note, by in rows),
    )  # fmt: skip


def board_reports_file(course_id: int, span: Range) -> bytes:
    """The reporting log: one row per learner reported, with the file it went out in."""
    rows = db.session.execute(
        select(BoardReport.created_at, BoardReport.file_format, BoardReport.state,
               BoardReport.filename, BoardReport.sha256, User.email, Certificate.code,
               BoardReportEntry.user_id, BoardReportEntry.license_state,
               BoardReportEntry.license_number)
        .join(BoardReportEntry, BoardReportEntry.report_id == BoardReport.id)
        .join(Certificate, Certificate.id == BoardReportEntry.certificate_id)
        .outerjoin(User, User.id == BoardReport.created_by_id)
        .where(BoardReport.course_id == course_id, span.holds(BoardReport.created_at))
        .order_by(BoardReport.created_at, BoardReport.id, BoardReportEntry.id)
    ).all()  # fmt: skip
    return csv_text(
        ["reported_at", "format", "state_filter", "file", "file_sha256", "by",
         "certificate_code", "user_id", "license_state", "license_number"],
        ([_iso(r[0]), *r[1:5], r[5] or "", *r[6:]] for r in rows),
    )  # fmt: skip


README = """\
Audit packet: {title} ({slug})
Records from {start} to {end} (both days included, UTC), packed {packed}.

Files
-----
course.json          The course at packing time: its CE block (provider, approval status and
                     id, contact hours), each lesson with its duration in seconds, and
                     content_version_sha256, a hash of all of it (equal hashes: same course).
roster.csv           Learners enrolled by the end of the range or certified within it, with
                     license state and number as held on their account now.
time_on_task.csv     Per learner and day: seconds credited toward contact hours and real
                     (wall-clock) seconds of playback recorded by the player.
posttest_attempts.csv  One row per question of each post-test attempt begun in the range:
                     the learner's choices, the correct choices, and the attempt's score,
                     pass mark and result.
evaluations.csv      Course evaluations submitted in the range, with the minutes the learner
                     reported the course took (to compare with time_on_task.csv).
certificates.csv     Certificates issued in the range: code, status today (valid, revoked,
                     superseded), SAMPLE or not, hours, and pdf_sha256, the SHA-256 of the PDF
                     as issued.
pdfs/                Each certificate's PDF as issued (no REVOKED/SUPERSEDED stamp); its
                     SHA-256 is the one in certificates.csv, so a copy can be checked with
                     `sha256sum`. Each PDF's code can also be checked at /verify/<code>.
revocations.csv      Revocations and reissues recorded in the range, with the reason given
                     and who did it.
board_reports.csv    What was reported to boards in the range: each learner and license
                     reported, the format, the file's SHA-256, when and by whom.

CSV cells that begin with = + - @ are prefixed with ' so no spreadsheet runs them.
Records behind this packet are never deleted; packets themselves are purged after the
retention period (PACKET_RETENTION_DAYS).
"""


FIXED_FILES = 9  # README, course.json and the seven CSVs; one PDF per certificate besides


def packet_file_count(course_id: int, span: Range) -> int:
    """How many files the packet will hold (one query), for the progress the page shows."""
    certificates = db.session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.course_id == course_id, span.holds(Certificate.issued_at))
    )
    return FIXED_FILES + certificates


def packet_files(course: Course, span: Range) -> Iterable[tuple[str, bytes]]:
    """Every file of the packet, in order, each built when asked for (so the job can count
    progress): a fixed number of queries whatever the number of learners."""
    yield "README.txt", README.format(
        title=course.title, slug=course.slug, start=span.starts_on, end=span.ends_on,
        packed=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    ).encode()  # fmt: skip
    yield "course.json", course_file(course, span)
    yield "roster.csv", roster_file(course.id, span)
    yield "time_on_task.csv", time_on_task_file(course.id, span)
    yield "posttest_attempts.csv", attempts_file(course.id, span)
    yield "evaluations.csv", evaluations_file(course.id, span)
    yield from certificate_files(course.id, span)
    yield "revocations.csv", revocations_file(course.id, span)
    yield "board_reports.csv", board_reports_file(course.id, span)


# ---- the page --------------------------------------------------------------------------


@dataclass
class PacketState:
    packet: AuditPacket
    job_state: str | None

    @property
    def label(self) -> str:
        """queued, building, ready, failed or purged: what the page says."""
        if self.packet.purged_at is not None:
            return "purged"
        if self.packet.built_at is not None:
            return "ready"
        if self.job_state == JobState.DEAD.value:
            return "failed"
        if self.job_state == JobState.RUNNING.value or self.packet.files_total:
            return "building"
        return "queued"

    @property
    def in_progress(self) -> bool:
        return self.label in ("queued", "building")


def packet_job_key(packet: AuditPacket) -> str:
    return f"audit-packet:{packet.key}"


def course_packets(course_id: int, limit: int = 20) -> list[PacketState]:
    """The course's latest packets with their job states (two queries)."""
    packets = list(
        db.session.scalars(
            select(AuditPacket)
            .where(AuditPacket.course_id == course_id)
            .order_by(AuditPacket.requested_at.desc(), AuditPacket.id.desc())
            .limit(limit)
        )
    )
    states = dict(
        db.session.execute(
            select(Job.key, Job.state).where(Job.key.in_([packet_job_key(p) for p in packets]))
        ).all()
    )
    return [PacketState(p, states.get(packet_job_key(p))) for p in packets]


def purgeable(now: datetime, retention_days: int) -> list[AuditPacket]:
    """Packets built before the retention period and not yet purged: nothing else."""
    return list(
        db.session.scalars(
            select(AuditPacket).where(
                AuditPacket.purged_at.is_(None),
                AuditPacket.requested_at < now - timedelta(days=retention_days),
            )
        )
    )
