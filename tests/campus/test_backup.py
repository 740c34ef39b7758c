"""flask db-backup under writes: the restored copy has every certificate and credited second."""

from __future__ import annotations

import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from campus import create_app
from campus.accounts.models import User
from campus.extensions import db
from course.certificates.models import Certificate
from course.models import Course, Lesson
from course.progress.models import TimeOnTask
from tests.conftest import _TMP, app_settings, database_url
from tests.factories import import_ce_course, make_ready_for_certificate, make_user

ON_SQLITE = database_url().startswith("sqlite")


def test_refuses_to_overwrite_and_names_pg_dump_for_postgresql(runner, tmp_path):
    if not ON_SQLITE:
        result = runner.invoke(args=["db-backup", str(tmp_path / "copy.sqlite3")])
        assert result.exit_code != 0 and "pg_dump -Fc" in result.output
        return
    target = tmp_path / "copy.sqlite3"
    target.write_text("keep me")
    result = runner.invoke(args=["db-backup", str(target)])
    assert result.exit_code != 0 and "exists" in result.output
    assert target.read_text() == "keep me"


def issue_while(app, user_ids: list[int], course_id: int, tally_id: int, stop, issued):
    """Writer: each transaction issues one certificate AND adds 10 credited seconds."""
    from course.certificates.services import issue_certificate

    with app.app_context():
        course = db.session.get(Course, course_id)
        for user_id in user_ids:
            if stop.is_set():
                break
            certificate, _ = issue_certificate(db.session.get(User, user_id), course)
            db.session.execute(
                text(
                    "UPDATE time_on_task SET credited_seconds = credited_seconds + 10 "
                    "WHERE id = :id"
                ),
                {"id": tally_id},
            )
            db.session.commit()
            issued.append(certificate.code)
        db.session.remove()


def state(database: str) -> tuple[set[str], float, float]:
    """(certificate codes, total credited seconds, the tally row's seconds) of a database."""
    restored = create_app({**app_settings(), "SQLALCHEMY_DATABASE_URI": database})
    with restored.app_context():
        codes = set(db.session.scalars(select(Certificate.code)))
        total = db.session.scalar(select(func.sum(TimeOnTask.credited_seconds)))
        tally = db.session.scalar(select(TimeOnTask.credited_seconds).order_by(TimeOnTask.id))
        client = restored.test_client()
        for code in codes:
            page = client.get(f"/verify/{code}")
            assert page.status_code == 200 and "Valid" in page.get_data(as_text=True), code
        db.session.remove()
        db.engine.dispose()
    return codes, total, tally


@pytest.mark.skipif(not ON_SQLITE, reason="SQLite's backup; PostgreSQL uses pg_dump (README)")
def test_backup_under_writes_restores_every_certificate_and_second(app, runner):
    course = import_ce_course()
    users = [make_user() for _ in range(12)]
    for user in users:
        make_ready_for_certificate(user, course)
    lessons = list(db.session.scalars(select(Lesson).where(Lesson.course_id == course.id)))
    for user in users:  # a day of credited time per learner and lesson
        for lesson in lessons:
            db.session.add(
                TimeOnTask(
                    user_id=user.id,
                    lesson_id=lesson.id,
                    course_id=course.id,
                    day=date(2026, 11, 26),
                    credited_seconds=lesson.duration_seconds,
                )
            )
    db.session.commit()
    tally_id = db.session.scalar(select(TimeOnTask.id).order_by(TimeOnTask.id))
    seconds_before = db.session.scalar(select(func.sum(TimeOnTask.credited_seconds)))
    stop, issued = threading.Event(), []
    writer = threading.Thread(
        target=issue_while,
        args=(app, [u.id for u in users], course.id, tally_id, stop, issued),
    )
    writer.start()
    try:
        while len(issued) < 3 and writer.is_alive():
            threading.Event().wait(0.01)
        committed_before = set(issued)
        backup = _TMP / "backup-under-writes.sqlite3"
        result = runner.invoke(args=["db-backup", "--force", str(backup)])
        assert result.exit_code == 0, result.output
    finally:
        writer.join()
    restored = _TMP / "restored.sqlite3"  # restore: the file itself, into a fresh place
    shutil.copyfile(backup, restored)
    codes, total, tally = state(f"sqlite:///{restored}")
    assert committed_before <= codes  # every certificate issued before the backup began
    assert codes <= set(issued)
    extra = 10 * len(codes)  # no torn transaction: each certificate came with its 10 s
    assert total == pytest.approx(seconds_before + extra)
    assert Path(backup).stat().st_size > 0
    assert tally > 0
