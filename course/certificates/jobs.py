"""Certificate jobs: emailing a new certificate with its PDF, telling the staff that a
course refused a certificate for incomplete CE settings, and the ZIP of a course's PDFs.

A job owns its transaction: it loads what it needs by id, and commits what it records.
"""

from __future__ import annotations

import logging

from flask import render_template
from sqlalchemy import select

from campus.accounts.models import User
from campus.extensions import db
from campus.jobs.registry import job
from campus.mail import build_message, mail_connection, send_email
from campus.models import utcnow
from campus.storage import storage
from campus.urls import external_url
from course.certificates import archive, queries, services
from course.certificates.models import Certificate, CertificateEvent, CeSettingsAlert
from course.certificates.pdf import certificate_pdf, pdf_filename, verify_url
from course.models import Course

log = logging.getLogger(__name__)


@job("certificates.email")
def email_certificate(certificate_id: int) -> bool:
    """Send the PDF to its learner and record it; False when it went out already.

    The certificate is already committed, so while the mail server is down the learner
    downloads it from the course page; a failure raises and the queue retries. The
    "emailed" event is the send record: a retry or duplicate delivery after it sends nothing.
    """
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or _emailed(certificate_id):
        return False
    learner = db.session.get(User, certificate.user_id)
    text = render_template(
        "course/certificates/email_certificate.txt",
        certificate=certificate,
        snapshot=certificate.snapshot,
        verify_url=verify_url(certificate.code),
    )
    send_email(
        learner.email,
        f"Your CE certificate: {certificate.snapshot['course_title']}",
        text,
        attachments=[(pdf_filename(certificate), "application/pdf", certificate_pdf(certificate))],
    )
    services.record(certificate, "emailed", None, learner.email)
    db.session.commit()
    return True


def _emailed(certificate_id: int) -> bool:
    return (
        db.session.scalar(
            select(CertificateEvent.id).where(
                CertificateEvent.certificate_id == certificate_id,
                CertificateEvent.action == "emailed",
            )
        )
        is not None
    )


@job("certificates.ce_settings_alert")
def email_ce_settings_alert(alert_id: int) -> bool:
    """Email every instructor and admin, once, that the course refuses certificates.

    One job per alert (its key), so a hundred refused learners make one email; sent_at,
    set once the server took every message, makes a second run send nothing. A failure
    raises and the queue retries.
    """
    alert = db.session.get(CeSettingsAlert, alert_id)
    if alert is None or alert.sent_at is not None:
        return False
    course = db.session.get(Course, alert.course_id)
    staff = db.session.scalars(select(User).where(*services.staff_recipients())).all()
    if not staff:
        log.warning("no active instructor or admin to tell about %s", course.slug)
        return False
    text = render_template(
        "course/certificates/email_ce_settings_alert.txt",
        course=course,
        missing=alert.missing_fields.split(","),
        certificates_url=external_url("certificates_admin.course_certificates", slug=course.slug),
    )
    subject = f"Certificates refused: CE settings incomplete for {course.title}"
    with mail_connection() as send:
        for member in staff:
            send(build_message(member.email, subject, text))
    alert.sent_at = utcnow()
    alert.recipients = len(staff)
    db.session.commit()
    return True


@job("certificates.zip")
def build_certificates_zip(course_id: int, version: str) -> bool:
    """Zip every PDF of the course into the file for ``version``; False when it exists.

    The file's name is the version, so a retry or a duplicate delivery builds no second
    file, and a newer version (a certificate issued or revoked since) is a new job.
    """
    files, key = storage(), archive.zip_key(course_id, version)
    if files.exists(key):
        return False
    files.put(key, queries.certificates_zip(course_id), "application/zip")
    return True
