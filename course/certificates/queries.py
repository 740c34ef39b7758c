"""Reads about certificates: look-up by code, a learner's transcript, history, and the audit
exports (the roster CSV and a ZIP of every PDF)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from campus.accounts.models import User
from campus.exports import spreadsheet_cell
from campus.extensions import db
from campus.jobs.models import Job
from campus.paging import PageWindow, clamp_page
from campus.storage import storage
from course import ce_rules
from course.certificates import archive, board_files
from course.certificates.board_files import ReportRow
from course.certificates.models import (
    CODE_ALPHABET,
    CODE_GROUP_LENGTH,
    CODE_GROUPS,
    BoardReport,
    BoardReportEntry,
    Certificate,
    CertificateEvent,
)
from course.certificates.pdf import certificate_pdf, pdf_filename, verify_url

ROSTER_COLUMNS = (
    "license_state",
    "license_number",
    "learner_name",
    "course_id",
    "course_title",
    "completion_date",
    "contact_hours",
    "ceus",
    "board_units",
    "posttest_score",
    "evaluation_date",
    "certificate_code",
    "issued_on",
    "status",
    "revoked_reason",
    "replaces_code",
)


CERTIFICATES_PER_PAGE = 50


@dataclass
class CertificatePage(PageWindow):
    """One page of a course's certificates, newest first."""

    certificates: list[Certificate]
    page: int
    pages: int
    total: int

    @property
    def per_page(self) -> int:
        return CERTIFICATES_PER_PAGE

    @property
    def shown(self) -> int:
        return len(self.certificates)


def certificate_page(course_id: int, requested: int) -> CertificatePage:
    """A page of the course's certificates in two queries (a count, then the page read
    from the certificates(course_id, issued_at, id) index), however many were issued."""
    total = db.session.scalar(
        select(func.count()).select_from(Certificate).where(Certificate.course_id == course_id)
    )
    page, pages = clamp_page(requested, total, CERTIFICATES_PER_PAGE)
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.course_id == course_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(CERTIFICATES_PER_PAGE)
        .offset((page - 1) * CERTIFICATES_PER_PAGE)
    ).all()
    return CertificatePage(list(certificates), page, pages, total)


def course_certificates(course_id: int) -> list[Certificate]:
    """Every certificate of the course, revoked and superseded included (nothing is deleted)."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.course_id == course_id)
            .order_by(Certificate.issued_at, Certificate.id)
        )
    )


def roster_csv(course_id: int) -> str:
    """The board roster: SAMPLE certificates (course not approved at issue) are never in it."""
    everything = course_certificates(course_id)
    codes = {c.id: c.code for c in everything}
    certificates = [c for c in everything if not c.is_sample]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ROSTER_COLUMNS)
    for c in certificates:
        s = c.snapshot
        score = s.get("posttest_score")
        writer.writerow(
            [
                spreadsheet_cell(v)
                for v in (
                    s.get("license_state"),
                    s.get("license_number"),
                    s["learner_name"],
                    s["course_id"],
                    s["course_title"],
                    s["completed_on"],
                    s["contact_hours"],
                    s["ceus"],
                    board_units(s.get("board_totals") or []),
                    f"{round(score * 100)}%" if score is not None else "",
                    s.get("evaluation_submitted_on"),
                    c.code,
                    s.get("issued_on"),
                    c.state.value,
                    c.revoked_reason,
                    codes.get(c.replaces_id, ""),
                )
            ]
        )
    return out.getvalue()


def board_units(totals: list[dict]) -> str:
    """'aota=0.675 AOTA CEUs; nbcot=8.4375 PDUs' (course/board_rules.py, frozen at issue)."""
    return "; ".join(f"{t['board']}={t['units']:g} {t['unit']}" for t in totals)


def certificates_zip(course_id: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in course_certificates(course_id):
            archive.writestr(pdf_filename(certificate), certificate_pdf(certificate))
    return buffer.getvalue()


def verification(certificate: Certificate, successor: Certificate | None) -> dict:
    """The machine-readable verification of a certificate (GET /verify/<code>.json).

    Approval details appear only for a certificate issued while its course was approved; a
    revocation shows its category and date, never the staff's free text.
    """
    s = certificate.snapshot
    approved = not certificate.is_sample
    answer = {
        "code": certificate.code,
        "status": certificate.state.value,
        "sample": certificate.is_sample,
        "valid_for_ce_credit": certificate.counts_for_credit,
        "holder_name": s["learner_name"],
        "course": {"id": s["course_id"], "title": s["course_title"]},
        "contact_hours": s["contact_hours"],
        "credits": s.get("board_totals", []) if approved else [],
        "completed_on": s["completed_on"],
        "issued_on": s.get("issued_on"),
        "provider": (
            {"name": s["provider_name"], "number": s.get("provider_number", "")}
            if approved
            else None
        ),
        "approval_id": (s.get("approval_id") or None) if approved else None,
        "revocation": None,
        "superseded_by": successor.code if successor else None,
    }
    if certificate.revoked_at is not None:
        answer["revocation"] = {
            "category": certificate.revoked_category or "other",
            "date": certificate.revoked_at.date().isoformat(),
        }
    return answer


def find_certificate(code: str) -> Certificate | None:
    normalized = normalize_code(code)
    if normalized is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == normalized))


def history(certificate: Certificate) -> list[tuple[Certificate, list[CertificateEvent]]]:
    """The whole chain this certificate belongs to, oldest first, with each one's events."""
    chain = list(
        db.session.scalars(
            select(Certificate)
            .where(
                Certificate.user_id == certificate.user_id,
                Certificate.course_id == certificate.course_id,
            )
            .order_by(Certificate.sequence)
        )
    )
    events: dict[int, list[CertificateEvent]] = {}
    for event in db.session.scalars(
        select(CertificateEvent)
        .where(CertificateEvent.certificate_id.in_([c.id for c in chain]))
        .order_by(CertificateEvent.id)
    ):
        events.setdefault(event.certificate_id, []).append(event)
    return [(c, events.get(c.id, [])) for c in chain]


def transcript(user) -> list[Certificate]:
    """The learner's current certificates (not superseded), newest first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id, Certificate.superseded_by_id.is_(None))
            .order_by(Certificate.completed_at.desc())
        )
    )


def normalize_code(text: str) -> str | None:
    """A typed code in canonical form (case, spaces and dashes forgiven), or None if malformed."""
    chars = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(chars) != CODE_GROUPS * CODE_GROUP_LENGTH or any(
        ch not in CODE_ALPHABET for ch in chars
    ):
        return None
    return "-".join(
        chars[i : i + CODE_GROUP_LENGTH] for i in range(0, len(chars), CODE_GROUP_LENGTH)
    )


def certificate_names(ids: set[int] | None) -> dict[int, str]:
    """A certificate named by its code and learner, for the audit log: one query."""
    query = select(Certificate.id, Certificate.code, User.full_name).join(
        User, User.id == Certificate.user_id
    )
    if ids is not None:
        query = query.where(Certificate.id.in_(ids))
    return {i: f"{code} ({name})" for i, code, name in db.session.execute(query)}


@dataclass(frozen=True)
class ZipExport:
    """Where the ZIP of a course's PDFs stands: ready to download, being built, failed, or
    not asked for since the last change."""

    version: str
    key: str  # where campus.storage keeps it, shared by every app instance
    job_state: str | None  # the job for this version, if one was asked for
    ready: bool

    @property
    def building(self) -> bool:
        return not self.ready and self.job_state in ("pending", "running")

    @property
    def failed(self) -> bool:
        return not self.ready and self.job_state == "dead"


def zip_export(course_id: int) -> ZipExport:
    version = archive.zip_version(course_id)
    state = db.session.scalar(
        select(Job.state).where(Job.key == archive.zip_job_key(course_id, version))
    )
    key = archive.zip_key(course_id, version)
    return ZipExport(version, key, state, storage().exists(key))


@dataclass
class ReportCandidates:
    """What a board export of one course would hold now, and what it leaves out and why."""

    rows: list[ReportRow] = field(default_factory=list)  # valid, approved, licensed, new
    already_reported: int = 0  # in an earlier report of the same format: never resent
    no_license: int = 0  # the learner has not given a license yet
    samples: int = 0  # SAMPLE certificates (course not approved at issue): never reported


def report_candidates(course_id: int, file_format: str, state: str = "") -> ReportCandidates:
    """The course's current valid certificates, sorted into a board export, in two queries
    whatever the number of learners. The license is the learner's current one (a corrected
    typo reaches the board); the log keeps what was sent."""
    found = ReportCandidates()
    reported = set(
        db.session.scalars(
            select(BoardReportEntry.certificate_id)
            .join(BoardReport, BoardReport.id == BoardReportEntry.report_id)
            .where(BoardReport.course_id == course_id, BoardReport.file_format == file_format)
        )
    )
    rows = db.session.execute(
        select(Certificate, User.license_state, User.license_number)
        .join(User, User.id == Certificate.user_id)
        .where(
            Certificate.course_id == course_id,
            Certificate.revoked_at.is_(None),
            Certificate.superseded_by_id.is_(None),
        )
        .order_by(Certificate.completed_at, Certificate.id)
    ).tuples()
    for certificate, license_state, license_number in rows:
        if certificate.is_sample:
            found.samples += 1
        elif not (license_state and license_number):
            found.no_license += 1
        elif state and license_state != state:
            continue
        elif certificate.id in reported:
            found.already_reported += 1
        else:
            found.rows.append(_report_row(certificate, license_state, license_number))
    return found


def _report_row(certificate: Certificate, license_state: str, license_number: str) -> ReportRow:
    s = certificate.snapshot
    return ReportRow(
        certificate_id=certificate.id,
        user_id=certificate.user_id,
        code=certificate.code,
        learner_name=s["learner_name"],
        license_state=license_state,
        license_number=license_number,
        completed_on=date.fromisoformat(s["completed_on"]),
        snapshot=s,
    )


def cebroker_ids(ce: dict) -> board_files.CebrokerIds | None:
    """The course's CE Broker tracking numbers, or None while either is missing."""
    provider = ce_rules.cebroker_number(ce, "cebroker_provider_number")
    course = ce_rules.cebroker_number(ce, "cebroker_course_number")
    if not provider or not course:
        return None
    return board_files.CebrokerIds(
        provider, course, str((ce or {}).get("cebroker_profession_code") or "")
    )


def board_file(course, file_format: str, rows: list[ReportRow]) -> tuple[str, str]:
    """(file name, content) of a board export of these rows."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if file_format == board_files.CEBROKER:
        ids = cebroker_ids(course.ce)
        name = f"cebroker-roster-UNVERIFIED-FORMAT-{course.slug}-{stamp}.csv"
        return name, board_files.cebroker_file(rows, ids)
    return f"board-roster-{course.slug}-{stamp}.csv", board_files.roster_file(rows, verify_url)


def board_reports(course_id: int) -> list[tuple[BoardReport, str | None]]:
    """The course's reporting log, newest first, with who made each report (one query)."""
    return list(
        db.session.execute(
            select(BoardReport, User.full_name)
            .outerjoin(User, User.id == BoardReport.created_by_id)
            .where(BoardReport.course_id == course_id)
            .order_by(BoardReport.created_at.desc(), BoardReport.id.desc())
        ).tuples()
    )


def reported_on(certificate_ids: list[int]) -> dict[int, datetime]:
    """When each certificate was first reported to a board, for the learner (one query)."""
    if not certificate_ids:
        return {}
    return dict(
        db.session.execute(
            select(BoardReportEntry.certificate_id, func.min(BoardReport.created_at))
            .join(BoardReport, BoardReport.id == BoardReportEntry.report_id)
            .where(BoardReportEntry.certificate_id.in_(certificate_ids))
            .group_by(BoardReportEntry.certificate_id)
        )
        .tuples()
        .all()
    )
