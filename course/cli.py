"""flask course validate|import|enroll|withdraw: check and load course folders from content/,
and enroll or withdraw a learner by hand (closed courses too; audited as the command line)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from campus.accounts.queries import find_user_by_email
from campus.enrollment import services as enrollment
from campus.errors import UserError
from campus.extensions import db
from course.importer.read_assessment import DEFAULT_PASS_MARK
from course.importer.read_course import load_course
from course.importer.sync_course import course_folders, import_course
from course.models import Course
from course.progress.queries import has_started


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
            click.echo(f"  draw: {assessment.draw_summary()}")
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


def _course_and_user(slug: str, email: str):
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"No course with slug {slug}")
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with email {email}")
    return course, user


@course_cli.command("enroll")
@click.argument("slug")
@click.argument("email")
@with_appcontext
def enroll_command(slug: str, email: str) -> None:
    """Enroll an existing account in a course (closed courses too; a withdrawn one resumes)."""
    course, user = _course_and_user(slug, email)
    enrollment.enroll(None, user, course.id, is_open=course.is_open)
    db.session.commit()
    click.echo(f"{user.email} is enrolled in {course.slug}")


@course_cli.command("withdraw")
@click.argument("slug")
@click.argument("email")
@with_appcontext
def withdraw_command(slug: str, email: str) -> None:
    """Withdraw a learner from a course; every record they have is kept."""
    course, user = _course_and_user(slug, email)
    try:
        enrollment.withdraw(None, user, course.id, started=has_started(user.id, course.id))
    except UserError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"{user.email} is withdrawn from {course.slug}")
