"""flask forum ...: send forum email now, by hand. The job queue's schedule already sends
the daily digests (FORUM_DIGEST_CRON) and retries unsent event emails
(FORUM_EMAIL_RETRY_CRON); these commands are for an operator who will not wait."""

from __future__ import annotations

import smtplib

import click
from flask.cli import with_appcontext

from community.notifications import jobs as notifications


def _run(function) -> int:
    try:
        return notifications.in_request_or_app_context(function)
    except (smtplib.SMTPException, OSError) as error:
        raise click.ClickException(f"mail server failed: {error}") from None


@click.group("forum")
def forum_cli():
    """Forum maintenance."""


@forum_cli.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """Email each digest member their unseen forum events now."""
    count = _run(notifications.send_digests)
    events = _run(notifications.send_event_emails)
    click.echo(f"Sent {count} digest(s) and {events} event email(s).")


@forum_cli.command("send-event-emails")
@with_appcontext
def send_event_emails_command() -> None:
    """Send event emails still pending now (the queue retries them by itself)."""
    events = _run(notifications.send_event_emails)
    click.echo(f"Sent {events} event email(s).")
