"""The audit log: staff actions recorded by the services that perform them, the admin page
and its CSV, and append-only storage (a PostgreSQL trigger refuses UPDATE and DELETE)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from campus.accounts.models import Role, User
from campus.audit.models import AuditEntry
from campus.audit.services import record
from campus.extensions import db
from community.models import Post
from tests.factories import category, learner_in, make_certified, make_thread, make_user
from tests.helpers import client_for, login_url

ROOT = Path(__file__).resolve().parents[2]


def entries(action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def test_record_flushes_and_leaves_the_commit_to_the_caller(app):
    admin = make_user(Role.ADMIN)
    record(admin, "user.set_role", "user", admin.id, before={"role": "a"}, after={"role": "b"})
    assert len(entries()) == 1  # flushed: visible in this transaction
    db.session.rollback()
    assert entries() == []


def test_role_changes_and_disables_from_the_cli_are_recorded(app, runner):
    user = make_user(email="ot@example.com")
    result = runner.invoke(args=["users", "set-role", "ot@example.com", "instructor"])
    assert result.exit_code == 0, result.output
    runner.invoke(args=["users", "disable", "ot@example.com"])
    runner.invoke(args=["users", "disable", "ot@example.com", "--enable"])
    db.session.expire_all()
    rows = [(e.action, e.actor_id, e.target_id, e.before, e.after) for e in entries()]
    assert rows == [
        ("user.set_role", None, user.id, {"role": "learner"}, {"role": "instructor"}),
        ("user.disable", None, user.id, {"is_disabled": False}, {"is_disabled": True}),
        ("user.enable", None, user.id, {"is_disabled": True}, {"is_disabled": False}),
    ]
    assert db.session.get(User, user.id).role == "instructor"


def test_forum_moderation_is_recorded_with_who_and_before_after(app, course):
    from community import services as forum
    from community.moderation import services as moderation

    instructor = make_user(Role.INSTRUCTOR)
    learner = learner_in(course)
    thread = make_thread(course, learner)
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    moderation.set_thread_flag(instructor, thread, "pin")
    moderation.set_thread_flag(instructor, thread, "lock")
    moderation.set_post_hidden(instructor, post, True)
    moderation.set_post_hidden(instructor, post, False)
    moderation.set_suspension(instructor, learner, True, "spam links")
    moderation.set_suspension(instructor, learner, False)
    old_category = thread.category_id
    forum.move_thread(instructor, thread, category(course, "introductions"))
    db.session.commit()
    rows = [e for e in entries() if e.action.startswith("forum.")]
    assert [e.action for e in rows] == [
        "forum.thread.pin",
        "forum.thread.lock",
        "forum.post.hide",
        "forum.post.restore",
        "forum.member.suspend",
        "forum.member.unsuspend",
        "forum.thread.move",
    ]
    assert {e.actor_id for e in rows} == {instructor.id}
    assert rows[0].before == {"is_pinned": False} and rows[0].after == {"is_pinned": True}
    assert rows[2].target_type == "forum_post" and rows[2].course_id == course.id
    assert rows[4].note == "spam links" and rows[4].after["reason"] == "spam links"
    assert rows[6].before == {"category_id": old_category}


def test_certificate_revoke_and_reissue_are_recorded(app):
    from course.certificates.services import reissue_certificate, revoke_certificate
    from tests.factories import import_ce_course

    course = import_ce_course()
    admin = make_user(Role.ADMIN)
    certificate = make_certified(learner_in(course), course)
    new = reissue_certificate(admin, certificate, "name change")
    revoke_certificate(admin, new, "issued in error")
    db.session.commit()
    reissue, revoke = entries("certificate.reissue"), entries("certificate.revoke")
    assert reissue[0].before == {"code": certificate.code} and reissue[0].after == {
        "code": new.code
    }
    assert revoke[0].target_id == new.id and revoke[0].note == "issued in error"
    assert revoke[0].actor_id == admin.id and revoke[0].course_id == course.id


def test_each_course_import_is_one_row_with_the_counts(app, runner):
    result = runner.invoke(
        args=["course", "import", str(app.config["CONTENT_DIR"] + "/test-course")]
    )
    assert result.exit_code == 0, result.output
    runner.invoke(args=["course", "import", str(app.config["CONTENT_DIR"] + "/test-course")])
    rows = entries("course.import")
    assert len(rows) == 2 and rows[0].actor_id is None
    assert rows[0].after["created"] > 0 and rows[0].after["updated"] == 0
    assert rows[1].after == {"created": 0, "updated": 0, "unpublished": 0}


@pytest.mark.parametrize("path", ["/admin/audit/", "/admin/audit/audit.csv"])
def test_only_admins_see_the_audit_log(app, client, path):
    assert client.get(path).headers["Location"] == login_url(path)
    for role in (Role.LEARNER, Role.INSTRUCTOR):
        assert client_for(app, make_user(role)).get(path).status_code == 403
    assert client_for(app, make_user(Role.ADMIN)).get(path).status_code == 200


def test_the_audit_page_filters_and_the_csv_is_spreadsheet_safe(app):
    admin = make_user(Role.ADMIN, email="boss@example.com")
    target = make_user(name="=cmd|' /C calc'!A0")
    record(admin, "user.set_role", "user", target.id, course_id=7, note="=HYPERLINK(1)")
    record(None, "course.import", "course", 7, course_id=7, after={"created": 3})
    record(admin, "forum.thread.pin", "forum_thread", 5, course_id=8)
    db.session.commit()
    admin_client = client_for(app, admin)
    page = admin_client.get("/admin/audit/?action=forum").get_data(as_text=True)
    assert "forum.thread.pin" in page and "<code>user.set_role</code>" not in page
    page = admin_client.get("/admin/audit/?actor=cli").get_data(as_text=True)
    assert "course.import" in page and "<code>forum.thread.pin</code>" not in page
    page = admin_client.get("/admin/audit/?course_id=7&target_id=bogus").get_data(as_text=True)
    assert "course.import" in page and "<code>user.set_role</code>" in page
    assert "<code>forum.thread.pin</code>" not in page
    export = admin_client.get("/admin/audit/audit.csv?actor=boss@example.com")
    assert export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).splitlines()
    assert lines[0].startswith("id,when_utc,actor_email")
    assert len(lines) == 3 and "'=HYPERLINK(1)" in lines[1] and "course.import" not in lines[2]


def test_no_code_outside_the_audit_area_updates_or_deletes_audit_rows():
    """Append-only by construction: only campus/audit touches AuditEntry, and nothing
    there (or anywhere) issues an update or delete of it."""
    pattern = re.compile(r"(update|delete)\(\s*AuditEntry|AuditEntry\.__table__\.(update|delete)")
    offenders = []
    for package in ("campus", "course", "community"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text()
            if pattern.search(source) or "session.delete(entry" in source:
                offenders.append(str(path))
    assert offenders == []


def test_postgresql_refuses_update_and_delete_of_audit_rows(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only (set TEST_DATABASE_URL)")
    admin = make_user(Role.ADMIN)
    entry = record(admin, "user.set_role", "user", admin.id)
    db.session.commit()
    for statement in (
        "UPDATE audit_entries SET note = 'rewritten' WHERE id = :id",
        "DELETE FROM audit_entries WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": entry.id})
        db.session.rollback()
    assert db.session.scalar(select(AuditEntry.note).where(AuditEntry.id == entry.id)) == ""
