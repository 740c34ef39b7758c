"""flask forum ...: send the daily digests (categories are seeded by `flask course import`)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from community.notifications import jobs as notifications


@click.group("forum")
def forum_cli():
    """Forum maintenance."""


@forum_cli.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """Email each digest member their unseen forum events (run daily, e.g. from cron)."""
    count = notifications.in_request_or_app_context(notifications.send_digests)
    events = notifications.in_request_or_app_context(notifications.send_event_emails)
    click.echo(f"Sent {count} digest(s) and {events} event email(s).")


@forum_cli.command("send-event-emails")
@with_appcontext
def send_event_emails_command() -> None:
    """Send event emails still pending: those a mail-server failure left behind (run every
    few minutes, e.g. from cron; posting sends the rest right after the response)."""
    events = notifications.in_request_or_app_context(notifications.send_event_emails)
    click.echo(f"Sent {events} event email(s).")
