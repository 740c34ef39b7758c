"""Outgoing email: SMTP when MAIL_SERVER is set, otherwise .eml files under instance/mail/."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


def build_message(
    to: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="campus.local")
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, mimetype, data in attachments or []:
        maintype, subtype = mimetype.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def send_email(to: str, subject: str, text: str, **kwargs) -> EmailMessage:
    """Send one message through the configured transport and return it."""
    message = build_message(to, subject, text, **kwargs)
    with mail_connection() as send:
        send(message)
    return message


@contextmanager
def mail_connection() -> Iterator[Callable[[EmailMessage], None]]:
    """A ``send(message)`` function over one SMTP connection (or the .eml folder).

    Many messages at once (an announcement to a whole course) share the connection
    instead of opening one each. SMTP and network errors propagate to the caller.
    """
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        yield lambda message: _write_file(message, Path(config["MAIL_DIR"]))
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])

        def send(message: EmailMessage) -> None:
            smtp.send_message(message)
            log.info("mail sent to %s: %s", message["To"], message["Subject"])

        yield send


def _write_file(message: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}.eml"
    path.write_bytes(bytes(message))
    log.info("mail to %s written to %s: %s", message["To"], path, message["Subject"])
