"""Certificate work done after the response: emailing a new certificate with its PDF.

A job owns its transaction: it loads what it needs by id, and commits what it records.
"""

from __future__ import annotations

import logging
import smtplib

from flask import render_template

from campus.accounts.models import User
from campus.extensions import db
from campus.mail import send_email
from course.certificates import services
from course.certificates.models import Certificate
from course.certificates.pdf import certificate_pdf, pdf_filename, verify_url

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
