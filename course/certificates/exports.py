"""Audit exports per course: the roster CSV and a ZIP of every certificate PDF."""

from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import select

from campus.exports import spreadsheet_cell
from campus.extensions import db
from course.certificates.models import Certificate
from course.certificates.notify import certificate_pdf, pdf_filename

ROSTER_COLUMNS = (
    "license_state",
    "license_number",
    "learner_name",
    "course_id",
    "course_title",
    "completion_date",
    "contact_hours",
    "ceus",
    "posttest_score",
    "evaluation_date",
    "certificate_code",
    "issued_on",
    "status",
    "revoked_reason",
    "replaces_code",
)


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
    certificates = course_certificates(course_id)
    codes = {c.id: c.code for c in certificates}
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


def certificates_zip(course_id: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in course_certificates(course_id):
            archive.writestr(pdf_filename(certificate), certificate_pdf(certificate))
    return buffer.getvalue()
