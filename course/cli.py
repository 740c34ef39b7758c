"""flask course validate|import: check and load course folders from content/."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from campus.errors import UserError
from campus.extensions import db
from course.importer.read_assessment import DEFAULT_PASS_MARK
from course.importer.read_course import load_course
from course.importer.sync_course import course_folders, import_course


@click.group("course")
def course_cli():
    """Course content: validate and import."""


def _folders(paths: tuple[str, ...]) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    content_dir = Path(current_app.config["CONTENT_DIR"])
    return course_folders(content_dir)


@course_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False))
@with_appcontext
def validate_command(paths: tuple[str, ...]) -> None:
    """Report every problem in the course folders (all of content/ by default)."""
    total = 0
    for folder in _folders(paths):
        spec, problems = load_course(folder)
        for problem in problems:
            click.echo(str(problem), err=True)
        total += len(problems)
        click.echo(f"{folder.name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        assessment = spec.assessment if spec is not None else None
        if assessment is not None and assessment.length_cue is not None:
            pass_mark = assessment.settings.get("pass_mark", DEFAULT_PASS_MARK)
            click.echo(f"  post-test: {assessment.length_cue.summary(pass_mark)}")
    if total:
        raise SystemExit(1)


@course_cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False))
@with_appcontext
def import_command(paths: tuple[str, ...]) -> None:
    """Import course folders; idempotent, and lessons gone from the files are unpublished."""
    failed = False
    for folder in _folders(paths):
        try:
            report = import_course(folder)
        except UserError as error:
            db.session.rollback()
            click.echo(error.message, err=True)
            failed = True
            continue
        db.session.commit()
        if not report.changed:
            click.echo(f"{report.course}: up to date")
            continue
        click.echo(
            f"{report.course}: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unpublished)} unpublished"
        )
    if failed:
        raise SystemExit(1)
