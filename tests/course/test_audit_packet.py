"""The audit packet: its files against a fixture course with two learners (one revoked),
one packet for two requests, the retention rule, access and CSRF, bad input, and the
builder's query count independent of the number of learners."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from campus.accounts.models import Role
from campus.audit.models import AuditEntry
from campus.extensions import db
from campus.jobs.models import Job
from campus.models import utcnow
from campus.storage import storage
from course.certificates.pdf import certificate_pdf
from course.certificates.services import (
    record_board_report,
    reissue_certificate,
    revoke_certificate,
)
from course.progress.models import TimeOnTask
from course.records import queries, services
from course.records.jobs import build_audit_packet, purge_packets
from course.records.models import AuditPacket
from tests.factories import (
    bulk_certified_learners,
    import_ce_course,
    lesson_named,
    make_certified,
    make_user,
)
from tests.helpers import count_queries, login, post

TODAY = utcnow().date()
RANGE = {"starts_on": (TODAY - timedelta(days=30)).isoformat(), "ends_on": TODAY.isoformat()}
CE_BROKER = {"cebroker_provider_number": "50-1234", "cebroker_course_number": "20-987654"}


@pytest.fixture
def course(app):
    course = import_ce_course()
    course.ce = {**course.ce, **CE_BROKER}
    db.session.commit()
    return course


@pytest.fixture
def admin(app):
    return make_user(Role.ADMIN)


def _client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _two_learners(course, admin):
    """Ada certified and reported; Bo certified then revoked. Each has time on task."""
    ada = make_user(name="Ada Lovelace", license=("FL", "OT12345"))
    bo = make_user(name="=HYPERLINK(evil)", license=("NY", "654321"))
    kept, revoked = make_certified(ada, course), make_certified(bo, course)
    lesson = lesson_named(course, course.modules[0].lessons[0].slug)
    for user, seconds in ((ada, 600), (bo, 300)):
        db.session.add(TimeOnTask(user_id=user.id, lesson_id=lesson.id, course_id=course.id,
                                  day=TODAY, credited_seconds=seconds, real_seconds=seconds))  # fmt: skip
    record_board_report(admin, course, "cebroker")
    revoke_certificate(admin, revoked, "Attendance could not be verified.", "requirements_not_met")
    db.session.commit()
    ada.full_name = "Ada King"
    reissued = reissue_certificate(admin, kept, "Name changed on marriage.")
    db.session.commit()
    return ada, bo, kept, revoked, reissued


def _packet_zip(app, admin, course) -> zipfile.ZipFile:
    response = post(_client(app, admin), f"/courses/{course.slug}/audit-packets", RANGE)
    assert response.status_code == 302
    packet = db.session.scalar(select(AuditPacket))
    db.session.refresh(packet)
    assert packet.built_at is not None
    return zipfile.ZipFile(io.BytesIO(storage().get(packet.storage_key)))


def _rows(archive, name) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


def test_packet_holds_every_record_of_two_learners_one_revoked(app, course, admin):
    ada, bo, kept, revoked, reissued = _two_learners(course, admin)
    archive = _packet_zip(app, admin, course)
    names = set(archive.namelist())
    assert {"README.txt", "course.json", "roster.csv", "time_on_task.csv",
            "posttest_attempts.csv", "evaluations.csv", "certificates.csv",
            "revocations.csv", "board_reports.csv"} <= names  # fmt: skip
    readme = archive.read("README.txt").decode()
    assert all(name.split("/")[0] in readme for name in names if name != "README.txt")

    described = json.loads(archive.read("course.json"))
    assert len(described["content_version_sha256"]) == 64
    assert described["ce"]["status"] == course.ce["status"]
    assert all(lesson["duration_seconds"] > 0 for lesson in described["lessons"])

    roster = {row["user_id"]: row for row in _rows(archive, "roster.csv")}
    assert roster[str(ada.id)]["license_number"] == "OT12345"
    assert roster[str(bo.id)]["full_name"] == "'=HYPERLINK(evil)"  # formula neutralised

    time_rows = _rows(archive, "time_on_task.csv")
    assert {(r["user_id"], r["day"], r["real_seconds"]) for r in time_rows} == {
        (str(ada.id), TODAY.isoformat(), "600.0"), (str(bo.id), TODAY.isoformat(), "300.0")}  # fmt: skip

    attempts = _rows(archive, "posttest_attempts.csv")
    assert {(r["user_id"], r["score"], r["passed"]) for r in attempts} == {
        (str(ada.id), "0.9", "yes"), (str(bo.id), "0.9", "yes")}  # fmt: skip
    assert {r["user_id"] for r in _rows(archive, "evaluations.csv")} == {str(ada.id), str(bo.id)}

    certificates = {row["code"]: row for row in _rows(archive, "certificates.csv")}
    assert certificates[revoked.code]["status"] == "revoked"
    assert certificates[kept.code]["status"] == "superseded"
    assert certificates[kept.code]["superseded_by_code"] == reissued.code
    assert certificates[reissued.code]["status"] == "valid"
    assert certificates[reissued.code]["replaces_code"] == kept.code
    for row in certificates.values():
        pdf = archive.read(row["pdf_file"])
        assert hashlib.sha256(pdf).hexdigest() == row["pdf_sha256"]
    # The revoked PDF is the one issued, not today's REVOKED-stamped download; and drawing
    # the valid one again gives the same bytes (superseded: not the stamped copy either), so the hash checks any copy.
    assert archive.read(certificates[revoked.code]["pdf_file"]) != certificate_pdf(revoked)
    assert archive.read(certificates[kept.code]["pdf_file"]) != certificate_pdf(kept)
    assert (
        hashlib.sha256(certificate_pdf(reissued)).hexdigest()
        == certificates[reissued.code]["pdf_sha256"]
    )

    revocations = _rows(archive, "revocations.csv")
    assert [(r["action"], r["certificate_code"], r["category"], r["reason"])
            for r in revocations] == [
        ("revoked", revoked.code, "requirements_not_met", "Attendance could not be verified."),
        ("reissued", reissued.code, "", f"replaces {kept.code}"),
        ("superseded", kept.code, "", f"Name changed on marriage. (new code {reissued.code})"),
    ]  # fmt: skip

    reported = _rows(archive, "board_reports.csv")
    assert {(r["certificate_code"], r["license_number"]) for r in reported} == {
        (kept.code, "OT12345"), (revoked.code, "654321")}  # fmt: skip

    assert db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "records.packet_requested")) == 1  # fmt: skip


def test_two_requests_build_one_packet(app, course, admin):
    make_certified(make_user(name="Ada Lovelace"), course)
    first, second = _client(app, admin), _client(app, make_user(Role.ADMIN))
    assert post(first, f"/courses/{course.slug}/audit-packets", RANGE).status_code == 302
    assert post(second, f"/courses/{course.slug}/audit-packets", RANGE).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditPacket)) == 1
    assert db.session.scalar(
        select(func.count()).select_from(Job).where(Job.name == "records.audit_packet")) == 1  # fmt: skip
    packet = db.session.scalar(select(AuditPacket))
    assert build_audit_packet(packet.id) is False  # a duplicate delivery builds nothing


def test_two_requests_in_one_moment_share_the_row_and_job(app, course, admin):
    """Both services run before either commits (as two racing requests would on PG: the
    second INSERT ... ON CONFLICT waits, then finds the row)."""
    one = services.request_packet(admin, course, TODAY, TODAY)
    two = services.request_packet(admin, course, TODAY, TODAY)
    db.session.commit()
    assert one.id == two.id
    assert db.session.scalar(select(func.count()).select_from(Job).where(
        Job.name == "records.audit_packet")) == 1  # fmt: skip


def test_page_shows_state_and_downloads_the_ready_packet(app, course, admin):
    make_certified(make_user(name="Ada Lovelace"), course)
    client = _client(app, admin)
    post(client, f"/courses/{course.slug}/audit-packets", RANGE)
    page = client.get(f"/courses/{course.slug}/audit-packets")
    assert page.status_code == 200 and b"ready" in page.data
    packet = db.session.scalar(select(AuditPacket))
    download = client.get(f"/courses/{course.slug}/audit-packets/{packet.id}.zip")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == packet.sha256


def test_a_queued_packet_is_shown_queued_and_not_downloadable(app, course, admin, monkeypatch):
    monkeypatch.setattr("campus.jobs.queue.push", lambda wakeups: None)  # no worker runs it
    packet = services.request_packet(admin, course, TODAY, TODAY)
    db.session.commit()
    client = _client(app, admin)
    page = client.get(f"/courses/{course.slug}/audit-packets").text
    assert "queued" in page and "Check again" in page
    assert client.get(f"/courses/{course.slug}/audit-packets/{packet.id}.zip").status_code == 409


def test_a_build_that_fails_midway_leaves_no_file(app, course, admin, monkeypatch):
    make_certified(make_user(name="Ada Lovelace"), course)
    monkeypatch.setattr("campus.jobs.queue.push", lambda wakeups: None)
    packet = services.request_packet(admin, course, TODAY, TODAY)
    db.session.commit()

    def broken(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(queries, "revocations_file", broken)  # after the PDFs, before the end
    with pytest.raises(RuntimeError):
        build_audit_packet(packet.id)
    db.session.rollback()
    assert not storage().exists(packet.storage_key)
    assert db.session.get(AuditPacket, packet.id).built_at is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"starts_on": "2026-05-01", "ends_on": "2026-04-01"}, b"end on or after"),
        ({"starts_on": "not a date", "ends_on": "2026-04-01"}, b"Not a valid date"),
        ({"starts_on": "", "ends_on": ""}, b"This field is required"),
    ],
)
def test_bad_ranges_are_refused_and_nothing_is_queued(app, course, admin, data, message):
    response = post(_client(app, admin), f"/courses/{course.slug}/audit-packets", data,
                    follow_redirects=True)  # fmt: skip
    assert response.status_code in (200, 400) and message in response.data
    assert db.session.scalar(select(func.count()).select_from(AuditPacket)) == 0


def test_access_admins_only_and_csrf(app, course, admin):
    learner, instructor = make_user(), make_user(Role.INSTRUCTOR)
    packet = services.request_packet(admin, course, TODAY, TODAY)
    db.session.commit()
    url = f"/courses/{course.slug}/audit-packets"
    for user in (learner, instructor):  # license numbers and emails: admins only
        client = _client(app, user)
        assert client.get(url).status_code == 403
        assert post(client, url, RANGE).status_code == 403
        assert client.get(f"{url}/{packet.id}.zip").status_code == 403
    assert app.test_client().get(url).status_code == 302  # to the login page
    client = _client(app, admin)
    assert client.post(url, data=RANGE).status_code == 400  # no CSRF token
    assert client.get("/courses/no-such-course/audit-packets").status_code == 404
    assert client.get(f"{url}/{packet.id + 99}.zip").status_code == 404


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_retention_purges_only_old_packets_and_nothing_else(app, course, admin):
    make_certified(make_user(name="Ada Lovelace"), course)
    old = services.request_packet(admin, course, date(2018, 1, 1), date(2018, 12, 31))
    new = services.request_packet(admin, course, TODAY, TODAY)
    db.session.commit()
    assert purge_packets() == 0  # nothing is purged early: both were asked for today
    days = app.config["PACKET_RETENTION_DAYS"]
    assert days == 7 * 365 + 2
    old.requested_at = utcnow() - timedelta(days=days + 1)
    new.requested_at = utcnow() - timedelta(days=days - 1)  # a day short: kept
    db.session.commit()
    unrelated = "exports/certificates/1/other.zip"
    storage().put(unrelated, b"not a packet", "application/zip")
    before = _row_counts()
    assert purge_packets() == 1  # the worker's daily job
    assert "Purged 0" in app.test_cli_runner().invoke(args=["records", "purge"]).output
    db.session.expire_all()
    assert not storage().exists(old.storage_key) and old.purged_at is not None
    assert storage().exists(new.storage_key) and new.purged_at is None
    assert storage().exists(unrelated)
    assert _row_counts() == before  # no row of any table deleted, packets' rows included
    assert "purged" in _client(app, admin).get(f"/courses/{course.slug}/audit-packets").text


def _queries_to_build(admin, course, days_back: int) -> tuple[int, int]:
    """(statements, PDFs) of the job that builds a packet, progress writes included."""
    packet = services.request_packet(admin, course, TODAY - timedelta(days=days_back), TODAY)
    db.session.commit()
    with count_queries() as statements:
        assert build_audit_packet(packet.id) is True
    archive = zipfile.ZipFile(io.BytesIO(storage().get(packet.storage_key)))
    return len(statements), sum(name.startswith("pdfs/") for name in archive.namelist())


def test_builder_query_count_is_independent_of_learners(app, course, admin, monkeypatch):
    monkeypatch.setattr("campus.jobs.queue.push", lambda wakeups: None)  # run by hand
    bulk_certified_learners(course, 10)
    at_ten, pdfs = _queries_to_build(admin, course, 30)
    assert pdfs == 10
    bulk_certified_learners(course, 40)
    at_fifty, pdfs = _queries_to_build(admin, course, 31)
    assert pdfs == 50
    assert at_ten == at_fifty


def test_a_dead_job_shows_the_packet_failed(app, course, admin, monkeypatch):
    monkeypatch.setattr("campus.jobs.queue.push", lambda wakeups: None)
    packet = services.request_packet(admin, course, TODAY, TODAY)
    db.session.commit()
    job = db.session.scalar(select(Job).where(Job.key == queries.packet_job_key(packet)))
    job.state = "dead"
    db.session.commit()
    page = _client(app, admin).get(f"/courses/{course.slug}/audit-packets").text
    assert "Failed; an admin can see why" in page
