"""The CE checklist, issuing (exactly once), revoking and reissuing certificates."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campus.accounts.licenses import US_STATES, has_license
from campus.accounts.models import User
from campus.audit.services import record as audit
from campus.database import begin_write, insert_for
from campus.errors import UserError
from campus.extensions import db
from campus.jobs.models import Job
from campus.jobs.services import enqueue
from campus.models import utcnow
from campus.timezones import local_date
from course import board_rules, ce_rules
from course.assessment.models import EvaluationResponse, PostTestAttempt
from course.certificates import archive, board_files, queries
from course.certificates.models import (
    CODE_ALPHABET,
    CODE_GROUP_LENGTH,
    CODE_GROUPS,
    REVOCATION_CATEGORIES,
    BoardReport,
    BoardReportEntry,
    Certificate,
    CertificateEvent,
    CeSettingsAlert,
)
from course.models import Course
from course.progress.queries import required_lessons_complete
from course.queries import contact_minutes, course_outline

# No 0/O, 1/I/L, U: a code read aloud or typed from paper cannot be mistaken.


class CeSettingsIncomplete(UserError):
    """A certificate refused because the course's CE settings lack required fields.

    The caller reports it with report_incomplete_ce (which says what the learner is told)
    and, after its commit, schedules jobs.email_ce_settings_alert for a new report.
    """

    def __init__(self, missing: list[str]):
        self.missing = sorted(missing)
        super().__init__(
            "This course cannot issue certificates yet: its CE settings are incomplete "
            f"({', '.join(self.missing)}).",
            409,
        )


def new_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    return "-".join(
        chars[i : i + CODE_GROUP_LENGTH] for i in range(0, len(chars), CODE_GROUP_LENGTH)
    )


def issue_certificate(user, course: Course) -> tuple[Certificate, bool]:
    """Issue the learner's certificate once every step is done: (certificate, newly issued).

    Runs in a SAVEPOINT so a concurrent request that inserted first (unique user, course,
    sequence) makes this one return that certificate instead of failing.
    """
    existing = _latest(user.id, course.id)
    if existing is not None:
        return existing, False
    if not course.ce:
        raise UserError("This course does not offer a CE certificate.", 409)
    missing = ce_rules.missing_ce_fields(course.ce)
    if missing and not ce_rules.issues_samples(course.ce):  # a draft issues SAMPLEs
        raise CeSettingsIncomplete(missing)
    snapshot, completed_at = _gate_and_snapshot(user, course)
    try:
        begin_write()  # the savepoint must sit inside the request's one transaction
        with db.session.begin_nested():
            certificate = _insert(user, course, snapshot, completed_at, sequence=1)
    except IntegrityError:
        certificate = _latest(user.id, course.id)
        if certificate is None:
            raise
        return certificate, False
    # Committed with the certificate, so the email exists exactly when the certificate does.
    enqueue("certificates.email", certificate.id, key=f"certificate-email:{certificate.id}")
    return certificate, True


def staff_recipients() -> tuple:
    """Who hears about a course's CE settings: every active instructor and admin (there is
    no per-course staff list)."""
    return (User.is_staff, User.is_disabled.is_(False))


def report_incomplete_ce(
    course: Course, refusal: CeSettingsIncomplete
) -> tuple[str, CeSettingsAlert | None]:
    """Record that the staff must hear of this refusal: (what the learner is told, the alert
    to email after the commit, or None when there is nothing to send).

    One alert per course and missing-field set: a hundred refused learners make one email.
    The learner's words say only what is true: told already, being told now, or (with no
    staff account to tell) that they should tell the provider themselves.
    """
    if db.session.scalar(select(User.id).where(*staff_recipients()).limit(1)) is None:
        return f"{refusal.message} Please let the provider know.", None
    fields = ",".join(refusal.missing)
    db.session.execute(
        insert_for(CeSettingsAlert)
        .values(course_id=course.id, missing_fields=fields, created_at=utcnow(), recipients=0)
        .on_conflict_do_nothing(index_elements=["course_id", "missing_fields"])
    )
    alert = db.session.scalar(
        select(CeSettingsAlert)
        .where(CeSettingsAlert.course_id == course.id, CeSettingsAlert.missing_fields == fields)
        .execution_options(populate_existing=True)
    )
    if alert.sent_at is not None:
        return f"{refusal.message} The provider has been told.", None
    enqueue("certificates.ce_settings_alert", alert.id, key=f"ce-settings-alert:{alert.id}")
    return f"{refusal.message} The provider is being told by email now.", alert


def _latest(user_id: int, course_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.user_id == user_id, Certificate.course_id == course_id)
        .order_by(Certificate.sequence.desc())
        .limit(1)
    )


def _gate_and_snapshot(user, course: Course) -> tuple[dict, datetime]:
    if not required_lessons_complete(user.id, course.id):
        raise UserError("Watch every lesson before the certificate.", 403)
    passed = db.session.scalars(
        select(PostTestAttempt)
        .where(
            PostTestAttempt.user_id == user.id,
            PostTestAttempt.course_id == course.id,
            PostTestAttempt.is_passed.is_(True),
        )
        .order_by(PostTestAttempt.submitted_at)
    ).first()
    if passed is None:
        raise UserError("Pass the post-test before the certificate.", 403)
    evaluation = db.session.scalar(
        select(EvaluationResponse).where(
            EvaluationResponse.user_id == user.id, EvaluationResponse.course_id == course.id
        )
    )
    if evaluation is None:
        raise UserError("Submit the course evaluation before the certificate.", 403)
    if not has_license(user):
        raise UserError(
            "Give your license state and number before the certificate: a board report names them.",
            403,
        )
    completed_at = max(passed.submitted_at, evaluation.submitted_at)
    return build_snapshot(user, course, passed, evaluation, completed_at), completed_at


def build_snapshot(user, course: Course, passed, evaluation, completed_at: datetime) -> dict:
    """Every field the certificate shows, frozen: later edits to course or user change nothing.

    Only an `approved` course's snapshot carries the approval: provider number, approval id
    and dates, the approval statement, AOTA CEUs and the NBCOT note. Any other status gives a
    SAMPLE (ce_status says which) that shows the hours the course would carry, nothing more.
    """
    ce = dict(course.ce or {})
    lessons = [lesson for _, items in course_outline(course.id) for lesson in items]
    hours = ce_rules.contact_hours(ce, contact_minutes(course, lessons))
    snapshot = {
        "learner_name": user.full_name,
        "license_state": user.license_state or "",
        "license_number": user.license_number or "",
        "course_title": course.title,
        "course_id": course.slug,
        "completed_on": local_date(completed_at, user).isoformat(),
        "contact_hours": hours,
        "ce_status": ce_rules.ce_status(ce),
        "provider_name": _text(ce, "provider_name"),
        "instructional_level": _text(ce, "instructional_level"),
        "content_focus": _text(ce, "content_focus"),
        "delivery_format": _text(ce, "delivery_format"),
        "instructors": ce_rules.ce_instructors(ce),
        "posttest_score": passed.score,
        "evaluation_submitted_on": local_date(evaluation.submitted_at, user).isoformat(),
    }
    if ce_rules.is_approved(ce):
        snapshot.update(_approval(ce, hours))
        minutes = ce_rules.contact_minutes_total(ce, contact_minutes(course, lessons))
        snapshot["board_totals"] = board_rules.board_totals(
            ce, minutes, scored_assessment=passed.score is not None
        )
    return snapshot


def _text(ce: dict, name: str) -> str:
    return " ".join(str(ce.get(name) or "").split())


def _approval(ce: dict, hours: float) -> dict:
    """The approved-only fields of a snapshot."""
    approval = {
        "ceus": ce_rules.ceus(hours),
        "ceu_label": str(ce.get("ceu_label") or "AOTA CEUs"),
        "provider_number": _text(ce, "provider_number"),
        "approval_id": _text(ce, "approval_id") if ce.get("print_approval_id", True) else "",
        "approved_on": str(ce.get("approved_on") or ""),
        "expires_on": str(ce.get("expires_on") or ""),
        "disclaimer": _text(ce, "disclaimer"),
        "print_nbcot_note": bool(ce.get("print_nbcot_note")),
    }
    approval["approval_statement"] = _text(ce, "approval_statement") or (
        ce_rules.approval_statement(ce, approval["ceus"], approval["approval_id"])
    )
    return approval


def _insert(
    user,
    course,
    snapshot: dict,
    completed_at: datetime,
    *,
    sequence: int,
    actor=None,
    replaces: Certificate | None = None,
) -> Certificate:
    certificate = Certificate(
        code=new_code(),
        user_id=user.id,
        course_id=course.id,
        sequence=sequence,
        snapshot=snapshot,
        contact_hours=snapshot["contact_hours"],
        completed_at=completed_at,
        issued_at=utcnow(),
        replaces_id=replaces.id if replaces else None,
    )
    snapshot["issued_on"] = local_date(certificate.issued_at, user).isoformat()
    db.session.add(certificate)
    db.session.flush()
    record(
        certificate,
        "reissued" if replaces else "issued",
        actor,
        f"replaces {replaces.code}" if replaces else "",
    )
    return certificate


def record(certificate: Certificate, action: str, actor=None, note: str = "") -> None:
    db.session.add(
        CertificateEvent(
            certificate_id=certificate.id,
            action=action,
            actor_id=actor.id if actor else None,
            note=note,
        )
    )


def can_amend(user, certificate: Certificate) -> bool:
    """Admins revoke or reissue, and only the latest certificate of a chain (the rule the
    admin page's buttons and the admin views both read)."""
    return user.is_admin and certificate.superseded_by_id is None


def revoke_certificate(
    actor, certificate: Certificate, reason: str, category: str = "other"
) -> Certificate:
    """Mark revoked with a reason; the row and its PDF stay, and /verify says revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise UserError("Give a reason for the revocation: it is shown on the verification page.")
    if category not in REVOCATION_CATEGORIES:
        raise UserError("Choose one of the listed revocation categories.", 422)
    if certificate.revoked_at is not None:
        raise UserError("This certificate is already revoked.", 409)
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason[:500]
    certificate.revoked_category = category
    record(certificate, "revoked", actor, certificate.revoked_reason)
    db.session.flush()
    audit(
        actor,
        "certificate.revoke",
        "certificate",
        certificate.id,
        course_id=certificate.course_id,
        after={"code": certificate.code},
        note=certificate.revoked_reason,
    )
    return certificate


def reissue_certificate(actor, certificate: Certificate, reason: str) -> Certificate:
    """A new certificate (new code) with the learner's current name, linked to the old one."""
    if certificate.superseded_by_id is not None:
        raise UserError("This certificate was already reissued; reissue the newest one.", 409)
    reason = (reason or "").strip() or "reissued"
    user = db.session.get(User, certificate.user_id)
    snapshot = {
        **certificate.snapshot,
        "learner_name": user.full_name,
        "license_state": user.license_state or "",
        "license_number": user.license_number or "",
    }
    new = _insert(
        user,
        db.session.get(Course, certificate.course_id),
        snapshot,
        certificate.completed_at,
        sequence=certificate.sequence + 1,
        actor=actor,
        replaces=certificate,
    )
    certificate.superseded_by_id = new.id
    record(certificate, "superseded", actor, f"{reason[:400]} (new code {new.code})")
    db.session.flush()
    audit(
        actor,
        "certificate.reissue",
        "certificate",
        certificate.id,
        course_id=certificate.course_id,
        before={"code": certificate.code},
        after={"code": new.code},
        note=reason[:400],
    )
    return new


def request_certificates_zip(course: Course) -> Job:
    """The job that zips the course's PDFs as they are now (one job per version)."""
    version = archive.zip_version(course.id)
    return enqueue(
        "certificates.zip", course.id, version, key=archive.zip_job_key(course.id, version)
    )


def record_board_report(actor, course: Course, file_format: str, state: str = "") -> BoardReport:
    """Make a board export and log it as reported: the exact file, its SHA-256, and one entry
    per certificate with the license it was sent under. Only completions not yet reported in
    this format are included (a board upload must never receive a row twice).

    Refuses (nothing written) an unknown format or state, a CE Broker export of a course
    without its tracking numbers, and an export with nothing new to report.
    """
    if file_format not in board_files.FORMATS:
        raise UserError("Choose a report format from the list.", 400)
    if state and state not in US_STATES:
        raise UserError("Choose a state from the list, or every state.", 400)
    if file_format == board_files.CEBROKER and queries.cebroker_ids(course.ce) is None:
        raise UserError(
            "Set ce.cebroker_provider_number and ce.cebroker_course_number in the course's "
            "course.yml (then import it) before a CE Broker export.",
            409,
        )
    candidates = queries.report_candidates(course.id, file_format, state)
    if not candidates.rows:
        raise UserError("Nothing new to report: every eligible completion is reported.", 409)
    filename, content = queries.board_file(course, file_format, candidates.rows)
    report = BoardReport(
        course_id=course.id,
        file_format=file_format,
        state=state,
        filename=filename,
        content=content,
        sha256=hashlib.sha256(content.encode()).hexdigest(),
        row_count=len(candidates.rows),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(report)
    db.session.flush()
    db.session.add_all(
        BoardReportEntry(
            report_id=report.id,
            certificate_id=row.certificate_id,
            user_id=row.user_id,
            license_state=row.license_state,
            license_number=row.license_number,
        )
        for row in candidates.rows
    )
    db.session.flush()
    audit(
        actor,
        "board_report.create",
        "board_report",
        report.id,
        course_id=course.id,
        after={
            "format": file_format,
            "state": state,
            "rows": report.row_count,
            "sha256": report.sha256,
            "certificates": [row.code for row in candidates.rows],
        },
    )
    return report
