"""The certificate's verification URL, its PDF, and the email that carries it."""

from __future__ import annotations

import logging
import smtplib

from flask import render_template

from campus.mail import send_email
from campus.urls import external_url
from course.certificates.models import Certificate
from course.certificates.pdf import render_certificate

log = logging.getLogger(__name__)


def verify_url(code: str) -> str:
    """What a printed QR code points at: PUBLIC_BASE_URL's verification page."""
    return external_url("certificates.verify", code=code)


def certificate_pdf(certificate: Certificate) -> bytes:
    return render_certificate(
        certificate.snapshot,
        certificate.code,
        verify_url(certificate.code),
        status=certificate.state.value,
    )


def pdf_filename(certificate: Certificate) -> str:
    return f"certificate-{certificate.snapshot['course_id']}-{certificate.code}.pdf"


def email_certificate(certificate: Certificate, to: str) -> bool:
    """Send the PDF; a mail failure is logged and reported, never loses the certificate."""
    text = render_template(
        "course/ce/email_certificate.txt",
        certificate=certificate,
        snapshot=certificate.snapshot,
        verify_url=verify_url(certificate.code),
    )
    try:
        send_email(
            to,
            f"Your CE certificate: {certificate.snapshot['course_title']}",
            text,
            attachments=[
                (pdf_filename(certificate), "application/pdf", certificate_pdf(certificate))
            ],
        )
    except (OSError, smtplib.SMTPException):
        log.exception("could not email certificate %s", certificate.code)
        return False
    return True
