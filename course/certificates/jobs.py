"""Certificate work done after the response: emailing a new certificate with its PDF, and
telling the staff that a course refused a certificate for incomplete CE settings.

A job owns its transaction: it loads what it needs by id, and commits what it records.
"""

from __future__ import annotations

import logging
import smtplib

from flask import render_template
from sqlalchemy import select, update

from campus.accounts.models import User
from campus.extensions import db
from campus.mail import build_message, mail_connection, send_email
from campus.models import utcnow
from campus.urls import external_url
from course.certificates import services
from course.certificates.models import Certificate, CeSettingsAlert
from course.certificates.pdf import certificate_pdf, pdf_filename, verify_url
from course.models import Course

log = logging.getLogger(__name__)


def email_certificate(certificate_id: int) -> bool:
    """Send the PDF to its learner and record it; a mail failure is logged, never fatal.

    The certificate is already committed, so a failed email loses nothing: the learner
    downloads it from the course page or My certificates.
    """
    certificate = db.session.get(Certificate, certificate_id)
    learner = db.session.get(User, certificate.user_id)
    text = render_template(
        "course/certificates/email_certificate.txt",
        certificate=certificate,
        snapshot=certificate.snapshot,
        verify_url=verify_url(certificate.code),
    )
    try:
        send_email(
            learner.email,
            f"Your CE certificate: {certificate.snapshot['course_title']}",
            text,
            attachments=[
                (pdf_filename(certificate), "application/pdf", certificate_pdf(certificate))
            ],
        )
    except (OSError, smtplib.SMTPException):
        log.exception("could not email certificate %s", certificate.code)
        return False
    services.record(certificate, "emailed", None, learner.email)
    db.session.commit()
    return True


def email_ce_settings_alert(alert_id: int) -> bool:
    """Email every instructor and admin, once, that the course refuses certificates.

    The row is claimed (sent_at set) in its own commit before sending, so two refusals
    scheduling this at once send one email. If the mail fails the claim is released, and
    the next refused learner schedules a retry.
    """
    claimed = db.session.execute(
        update(CeSettingsAlert)
        .where(CeSettingsAlert.id == alert_id, CeSettingsAlert.sent_at.is_(None))
        .values(sent_at=utcnow())
    ).rowcount
    db.session.commit()
    if not claimed:
        return False
    alert = db.session.get(CeSettingsAlert, alert_id)
    course = db.session.get(Course, alert.course_id)
    staff = db.session.scalars(select(User).where(*services.staff_recipients())).all()
    text = render_template(
        "course/certificates/email_ce_settings_alert.txt",
        course=course,
        missing=alert.missing_fields.split(","),
        certificates_url=external_url("certificates_admin.course_certificates", slug=course.slug),
    )
    subject = f"Certificates refused: CE settings incomplete for {course.title}"
    try:
        if not staff:
            raise OSError("no active instructor or admin to email")
        with mail_connection() as send:
            for member in staff:
                send(build_message(member.email, subject, text))
    except (OSError, smtplib.SMTPException):
        log.exception("could not email staff about CE settings of %s", course.slug)
        alert.sent_at = None
        db.session.commit()
        return False
    alert.recipients = len(staff)
    db.session.commit()
    return True
