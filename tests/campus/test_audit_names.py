"""The audit page names what it shows (course titles, learners, threads, certificates) in a
fixed number of queries, its filters, and a CSV that follows the same filter."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from campus.accounts.models import Role
from campus.audit.models import AuditEntry
from campus.audit.services import record
from campus.extensions import db
from campus.models import utcnow
from tests.factories import (
    import_ce_course,
    learner_in,
    make_certified,
    make_thread,
    make_user,
)
from tests.helpers import client_for, count_queries


def _entries(admin, course, learner, thread, certificate, copies: int) -> None:
    for _ in range(copies):
        record(admin, "user.set_role", "user", learner.id, course_id=course.id)
        record(admin, "forum.thread.pin", "forum_thread", thread.id, course_id=course.id)
        record(admin, "certificate.revoke", "certificate", certificate.id, course_id=course.id)
        record(None, "course.import", "course", course.id, course_id=course.id)
    db.session.commit()


def test_names_instead_of_ids_in_a_fixed_number_of_queries(app):
    course = import_ce_course()
    admin = make_user(Role.ADMIN, email="boss@example.com", name="Boss Admin")
    learner = learner_in(course, name="Jordan Ellis", email="jordan@example.com")
    thread = make_thread(course, learner, title="Where do I sit in class?")
    certificate = make_certified(learner, course)
    client = client_for(app, admin)
    _entries(admin, course, learner, thread, certificate, 1)
    client.get("/admin/audit/")
    with count_queries() as few:
        html = client.get("/admin/audit/").get_data(as_text=True)
    assert "user: Jordan Ellis &lt;jordan@example.com&gt;" in html
    assert "forum thread: Where do I sit in class?" in html
    assert f"certificate: {certificate.code} (Jordan Ellis)" in html
    assert f"<td>{course.title}</td>" in html
    assert f"<td>{course.id}</td>" not in html  # no bare course id left

    _entries(admin, course, learner, thread, certificate, 20)
    with count_queries() as many:
        client.get("/admin/audit/")
    print(f"audit page queries: {len(few)} at 4 rows, {len(many)} at 84 rows")
    assert len(few) == len(many)


def test_a_row_whose_target_is_gone_or_unknown_keeps_its_id(app):
    admin = make_user(Role.ADMIN)
    record(admin, "mystery.action", "gizmo", 42, course_id=999)
    db.session.commit()
    html = client_for(app, admin).get("/admin/audit/").get_data(as_text=True)
    assert "gizmo 42" in html and "course 999" in html


def test_filters_by_course_title_actor_action_and_dates_and_the_csv_follows(app):
    course = import_ce_course()
    other = import_fixture_other()
    admin = make_user(Role.ADMIN, email="boss@example.com")
    helper = make_user(Role.ADMIN, email="helper@example.com")
    learner = learner_in(course, name="Jordan Ellis")
    record(admin, "user.set_role", "user", learner.id, course_id=course.id)
    record(helper, "user.set_role", "user", learner.id, course_id=course.id)
    record(admin, "user.disable", "user", learner.id, course_id=other.id)
    db.session.add(  # an old row, written as it was then (the table refuses updates)
        AuditEntry(
            actor_id=admin.id,
            action="user.enable",
            target_type="user",
            target_id=learner.id,
            course_id=course.id,
            created_at=utcnow() - timedelta(days=40),
        )
    )
    db.session.commit()
    client = client_for(app, admin)

    page = client.get("/admin/audit/").get_data(as_text=True)
    assert f'<option value="{course.id}">{course.title}</option>' in page
    assert '<option value="user.set_role">' in page  # the action suggestions

    since = (utcnow() - timedelta(days=1)).date().isoformat()
    query = f"?course_id={course.id}&actor=boss@example.com&action=user&since={since}"
    page = client.get("/admin/audit/" + query).get_data(as_text=True)
    assert page.count("<code>user.") == 1 and "user.set_role" in page
    assert f'<option value="{course.id}" selected>' in page

    rows = list(csv.DictReader(io.StringIO(client.get("/admin/audit/audit.csv" + query).text)))
    assert [(r["action"], r["actor_email"], r["course_title"]) for r in rows] == [
        ("user.set_role", "boss@example.com", course.title)
    ]
    assert rows[0]["target_name"].startswith("Jordan Ellis <")

    until = (utcnow() - timedelta(days=30)).date().isoformat()
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/admin/audit/audit.csv?until={until}").text))
    )
    assert [r["action"] for r in rows] == ["user.enable"]
    assert db.session.query(AuditEntry).count() == 4 + 2  # + the two course imports


def import_fixture_other():
    from tests.factories import import_fixture_course

    return import_fixture_course()
