"""`flask records ...`: purge audit packets past retention (the worker does it daily too)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from campus.extensions import db
from course.records import services

records_cli = AppGroup("records", help="Audit packets.")


@records_cli.command("purge")
def purge_command() -> None:
    """Delete audit packet files older than PACKET_RETENTION_DAYS (and nothing else)."""
    purged = services.purge_expired()
    db.session.commit()
    click.echo(f"Purged {purged} audit packet(s).")
