"""flask db-backup: a consistent copy of the SQLite database, safe while the site runs.

A plain ``cp`` of a SQLite file in WAL mode copies the main file without the changes still
in its -wal file (testers lost a just-issued certificate and 160 s of credit that way).
SQLite's backup API reads every page inside one read transaction: a snapshot of the last
commit, taken without blocking writers. PostgreSQL has its own tool (README: pg_dump -Fc).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click

from campus.extensions import db


@click.command("db-backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace DESTINATION if it exists.")
def backup_command(destination: Path, force: bool) -> None:
    """Copy the SQLite database to DESTINATION, consistently, while the site runs."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException(
            "db-backup copies SQLite databases. For PostgreSQL use "
            "pg_dump -Fc (see the README's Backups section)."
        )
    if destination.exists() and not force:
        raise click.ClickException(f"{destination} exists; choose a new name or pass --force.")
    copied = backup_sqlite(Path(url.database), destination)
    click.echo(f"Backed up {url.database} to {destination} ({copied} bytes)")


def backup_sqlite(source: Path, destination: Path) -> int:
    """Snapshot source into destination (written beside it, checked, then moved in place)."""
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(partial)
    try:
        reader.backup(writer)  # pages=-1: all pages in one step, one read transaction
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        (status,) = writer.execute("PRAGMA integrity_check").fetchone()
    finally:
        writer.close()
        reader.close()
    if status != "ok":
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"The copy failed SQLite's integrity check: {status}")
    os.replace(partial, destination)
    return destination.stat().st_size
