"""Reporting to boards: the CE Broker file against its (unverified) documented layout, the
generic roster, SAMPLEs and revoked certificates left out, the reporting log, the learner's
"reported" line, access, CSRF, bad input, and query counts independent of learners."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
from sqlalchemy import func, select

from campus.accounts.models import Role, User
from campus.audit.models import AuditEntry
from campus.extensions import db
from course.certificates.board_files import CEBROKER_COLUMNS, ROSTER_COLUMNS, split_name
from course.certificates.models import BoardReport, BoardReportEntry
from tests.factories import import_ce_course, make_certified, make_user
from tests.helpers import count_queries, login, post

CE_BROKER = {
    "cebroker_provider_number": "50-1234",
    "cebroker_course_number": "20-987654",
    "cebroker_profession_code": "OT",
}


@pytest.fixture
def course(app):
    """The approved CE fixture course with its CE Broker tracking numbers."""
    course = import_ce_course()
    course.ce = {**course.ce, **CE_BROKER}
    db.session.commit()
    return course


def _certified(course, name="Jordan Ellis", license=("FL", "OT12345")):
    return make_certified(make_user(name=name, license=license), course)


def _sample(course, name="Sam Sample"):
    """A certificate issued while the course was a draft: a SAMPLE."""
    approved = dict(course.ce)
    course.ce = {**approved, "status": "draft"}
    db.session.commit()
    certificate = _certified(course, name=name, license=("NY", "654321"))
    course.ce = approved
    db.session.commit()
    assert certificate.is_sample
    return certificate


def _admin(app):
    client = app.test_client()
    login(client, make_user(Role.ADMIN))
    return client


def _reports() -> int:
    return db.session.scalar(select(func.count(BoardReport.id)))


def _preview(client, course, file_format, **params):
    query = "&".join(f"{k}={v}" for k, v in {"format": file_format, **params}.items())
    return client.get(f"/admin/courses/{course.slug}/board-reports/preview?{query}")


def test_cebroker_file_follows_the_documented_columns(app, course):
    certificate = _certified(course)
    response = _preview(_admin(app), course, "cebroker")
    assert response.status_code == 200
    assert "UNVERIFIED-FORMAT" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) == 2  # one row, CRLF, no header row
    row = next(csv.reader(io.StringIO(text)))
    assert len(row) == len(CEBROKER_COLUMNS) == 10
    completed = certificate.snapshot["completed_on"]  # YYYY-MM-DD
    year, month, day = completed.split("-")
    assert row == [
        "1234",  # A: provider tracking number without "50-"
        "987654",  # B: course tracking number without "20-"
        "",  # C: own course id, blank when B is given
        "",  # D: publishing number
        "OT12345",  # E: license number in full, no spaces
        f"{month}/{day}/{year}",  # F: completion date
        "FL",  # G: state
        "OT",  # H: profession code
        "",  # I: partial credit subject code
        "",  # J: partial hours
    ]
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", row[5])


def test_generic_roster_has_every_column_and_splits_the_name(app, course):
    certificate = _certified(course, name="Mary Ann O'Neil")
    text = _preview(_admin(app), course, "roster").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0].keys()) == ROSTER_COLUMNS
    assert rows[0]["first_name"] == "Mary Ann" and rows[0]["last_name"] == "O'Neil"
    assert rows[0]["certificate_code"] == certificate.code
    assert rows[0]["approval_id"] == "ACT-0042" and rows[0]["provider_number"] == "12345"
    assert rows[0]["verify_url"].endswith(f"/verify/{certificate.code}")
    assert split_name("Cher") == ("", "Cher")


def test_samples_revoked_and_unlicensed_are_never_in_any_export(app, course):
    sample = _sample(course)
    revoked = _certified(course, name="Rita Revoked", license=("FL", "OT55555"))
    revoked.revoked_at, revoked.revoked_reason = revoked.issued_at, "error"
    unlicensed = _certified(course, name="Una License")
    keeper = _certified(course, name="Kim Keeper", license=("FL", "OT77777"))
    db.session.commit()
    # A learner who later clears the license on the profile is left out, not sent blank.
    user = db.session.get(User, unlicensed.user_id)
    user.license_state = user.license_number = None
    db.session.commit()
    admin = _admin(app)
    for file_format in ("cebroker", "roster"):
        text = _preview(admin, course, file_format).get_data(as_text=True)
        assert "OT77777" in text
        for absent in ("654321", "OT55555", sample.code, "Una License"):
            assert absent not in text
    post(admin, f"/admin/courses/{course.slug}/board-reports", {"file_format": "roster"})
    sent = set(db.session.scalars(select(BoardReportEntry.certificate_id)))
    assert sent == {keeper.id}
    page = admin.get(f"/admin/courses/{course.slug}/board-reports").get_data(as_text=True)
    assert "1 without a license, 1 SAMPLE certificate(s)" in page


def test_marking_reported_logs_file_learners_time_and_actor(app, course):
    first = _certified(course, name="Ann First", license=("FL", "OT11111"))
    admin_user = make_user(Role.ADMIN, name="Alex Admin")
    admin = app.test_client()
    login(admin, admin_user)
    response = post(
        admin,
        f"/admin/courses/{course.slug}/board-reports",
        {"file_format": "cebroker", "state": "FL"},
    )
    assert response.status_code == 302
    report = db.session.scalar(select(BoardReport))
    assert (report.file_format, report.state, report.row_count) == ("cebroker", "FL", 1)
    assert report.created_by_id == admin_user.id and report.created_at is not None
    assert report.sha256 == hashlib.sha256(report.content.encode()).hexdigest()
    entry = db.session.scalar(select(BoardReportEntry))
    assert (entry.certificate_id, entry.license_number) == (first.id, "OT11111")
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "board_report.create"))
    assert audit.actor_id == admin_user.id and audit.after["certificates"] == [first.code]
    stored = admin.get(f"/admin/board-reports/{report.id}/file")
    assert stored.get_data(as_text=True) == report.content
    page = admin.get(f"/admin/courses/{course.slug}/board-reports").get_data(as_text=True)
    assert "Alex Admin" in page and report.filename in page and report.sha256[:16] in page

    # Nothing is sent twice: a second export has nothing new (409, nothing written) ...
    again = post(admin, f"/admin/courses/{course.slug}/board-reports", {"file_format": "cebroker"})
    assert again.status_code == 409 and "Nothing new to report" in again.get_data(as_text=True)
    assert _reports() == 1
    # ... and a later completion goes out alone.
    second = _certified(course, name="Ben Second", license=("FL", "OT22222"))
    post(admin, f"/admin/courses/{course.slug}/board-reports", {"file_format": "cebroker"})
    latest = db.session.scalars(select(BoardReport).order_by(BoardReport.id.desc())).first()
    assert latest.row_count == 1 and "OT22222" in latest.content and "OT11111" not in latest.content
    assert second.id in set(db.session.scalars(select(BoardReportEntry.certificate_id)))


def test_learner_sees_whether_their_completion_was_reported(client, app, course):
    learner = make_user(name="Lee Learner", license=("FL", "OT33333"))
    make_certified(learner, course)
    login(client, learner)
    page = client.get("/certificates").get_data(as_text=True)
    assert "Not yet reported" in page and "Reported on" not in page
    post(_admin(app), f"/admin/courses/{course.slug}/board-reports", {"file_format": "roster"})
    page = client.get("/certificates").get_data(as_text=True)
    assert "Reported on" in page and "Not yet reported" not in page


def test_a_sample_says_it_is_never_reported(client, course):
    certificate = _sample(course)
    login(client, db.session.get(User, certificate.user_id))
    assert "Never (a SAMPLE is not reported)" in client.get("/certificates").get_data(as_text=True)


def test_cebroker_export_needs_the_course_tracking_numbers(app, course):
    course.ce = {k: v for k, v in course.ce.items() if not k.startswith("cebroker")}
    db.session.commit()
    _certified(course)
    admin = _admin(app)
    response = post(
        admin, f"/admin/courses/{course.slug}/board-reports", {"file_format": "cebroker"}
    )
    assert response.status_code == 409
    assert "ce.cebroker_course_number" in response.get_data(as_text=True)
    assert _preview(admin, course, "cebroker").status_code == 409
    assert _reports() == 0


@pytest.mark.parametrize(
    "data", [{"file_format": "xls"}, {"file_format": ""}, {"file_format": "roster", "state": "ZZ"}]
)
def test_bad_report_input_is_a_400_and_writes_nothing(app, course, data):
    _certified(course)
    response = post(_admin(app), f"/admin/courses/{course.slug}/board-reports", data)
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    assert _reports() == 0


@pytest.mark.parametrize("query", ["format=xls", "format=roster&state=ZZ", ""])
def test_bad_preview_input_is_a_400(app, course, query):
    response = _admin(app).get(f"/admin/courses/{course.slug}/board-reports/preview?{query}")
    assert response.status_code == 400


def test_report_post_needs_its_csrf_token(app, course):
    _certified(course)
    response = _admin(app).post(
        f"/admin/courses/{course.slug}/board-reports", data={"file_format": "roster"}
    )
    assert response.status_code == 400
    assert _reports() == 0


def test_access(app, course):
    _certified(course)
    pages = [
        f"/admin/courses/{course.slug}/board-reports",
        f"/admin/courses/{course.slug}/board-reports/preview?format=roster",
    ]
    learner, instructor = app.test_client(), app.test_client()
    login(learner, make_user())
    login(instructor, make_user(Role.INSTRUCTOR))
    for url in pages:
        assert app.test_client().get(url).status_code == 302  # to the login page
        assert learner.get(url).status_code == 403
        assert instructor.get(url).status_code == 200
    # Instructors read the records; only an admin marks an export reported.
    create = f"/admin/courses/{course.slug}/board-reports"
    assert post(learner, create, {"file_format": "roster"}).status_code == 403
    assert post(instructor, create, {"file_format": "roster"}).status_code == 403
    assert _reports() == 0
    post(_admin(app), create, {"file_format": "roster"})
    report_id = db.session.scalar(select(BoardReport.id))
    assert learner.get(f"/admin/board-reports/{report_id}/file").status_code == 403
    assert instructor.get(f"/admin/board-reports/{report_id}/file").status_code == 200
    assert instructor.get("/admin/board-reports/999999/file").status_code == 404


def test_export_and_page_query_counts_do_not_grow_with_learners(app, course):
    admin = _admin(app)
    urls = [
        f"/admin/courses/{course.slug}/board-reports",
        f"/admin/courses/{course.slug}/board-reports/preview?format=cebroker",
        f"/admin/courses/{course.slug}/board-reports/preview?format=roster",
    ]
    counts = []
    for batch in range(2):
        for index in range(4):
            _certified(
                course, name=f"Learner {batch}{index}", license=("FL", f"OT{batch}{index}99")
            )
        _sample(course, name=f"Sample {batch}")
        with count_queries() as statements:
            for url in urls:
                assert admin.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]

    def report_queries() -> int:
        with count_queries() as statements:
            post(admin, f"/admin/courses/{course.slug}/board-reports", {"file_format": "roster"})
        return len(statements)

    small = report_queries()  # 8 certificates
    for index in range(6):
        _certified(course, name=f"Later {index}", license=("FL", f"OT9{index}99"))
    assert report_queries() <= small + 1  # entries go in one executemany, whatever the count


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('  cebroker_provider_number: "50-12AB"\n', "ce.cebroker_provider_number must be digits"),
        ('  cebroker_course_number: "30-1234"\n', "ce.cebroker_course_number must be digits"),
        ('  cebroker_profession_code: "O T!"\n', "ce.cebroker_profession_code must be a short"),
    ],
)
def test_validate_checks_the_cebroker_numbers(tmp_path, line, problem):
    import shutil

    from course.importer.read_course import load_course
    from tests.factories import FIXTURE_CONTENT

    folder = tmp_path / "ce-course"
    shutil.copytree(FIXTURE_CONTENT / "ce-course", folder)
    course_yml = folder / "course.yml"
    good = '  cebroker_provider_number: "50-1234"\n  cebroker_course_number: "20-98765"\n'
    course_yml.write_text(course_yml.read_text().replace("ce:\n", "ce:\n" + good))
    assert load_course(folder)[1] == []
    key = line.split(":")[0] + ":"
    text = "".join(
        row for row in course_yml.read_text().splitlines(keepends=True) if not row.startswith(key)
    )
    course_yml.write_text(text.replace("ce:\n", "ce:\n" + line))
    assert any(problem in str(p) for p in load_course(folder)[1])
