"""Admin: revoke and reissue with history, nothing deleted; roster CSV and ZIP; access checks."""

from __future__ import annotations

import csv
import io
import urllib.request
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campus.accounts.models import Role
from campus.extensions import db
from campus.jobs.models import Job
from campus.storage import storage
from course.certificates.models import Certificate, CertificateEvent
from tests.factories import import_ce_course, make_certified, make_user
from tests.helpers import login, login_url, post


@pytest.fixture
def certified(app):
    course = import_ce_course()
    learner = make_user(name="Jordan Ellis")
    learner.license_state, learner.license_number = "OH", "OT.012345"
    db.session.commit()
    return course, learner, make_certified(learner, course)


def test_revoke_needs_a_reason_and_keeps_the_row(client, certified):
    _, _, certificate = certified
    login(client, make_user(Role.ADMIN))
    post(client, f"/admin/certificates/{certificate.code}/revoke", {"reason": ""})
    db.session.expire_all()
    assert certificate.revoked_at is None
    post(client, f"/admin/certificates/{certificate.code}/revoke", {"reason": "Issued in error"})
    db.session.expire_all()
    assert certificate.revoked_reason == "Issued in error"
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    html = client.get(f"/admin/certificates/{certificate.code}").get_data(as_text=True)
    assert "revoked" in html and "Issued in error" in html


def test_reissue_after_a_name_change_links_old_and_new(client, certified):
    course, learner, certificate = certified
    learner.full_name = "Jordan Ellis-Moreno"
    db.session.commit()
    admin = make_user(Role.ADMIN, name="Pat Admin")
    login(client, admin)
    response = post(
        client, f"/admin/certificates/{certificate.code}/reissue", {"reason": "legal name change"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    new = db.session.get(Certificate, certificate.superseded_by_id)
    assert new.replaces_id == certificate.id and new.code != certificate.code
    assert new.snapshot["learner_name"] == "Jordan Ellis-Moreno"
    assert certificate.snapshot["learner_name"] == "Jordan Ellis"
    assert new.completed_at == certificate.completed_at
    html = client.get(f"/admin/certificates/{new.code}").get_data(as_text=True)
    assert (
        certificate.code in html
        and new.code in html
        and "legal name change" in html
        and "Pat Admin" in html
    )
    actions = db.session.scalars(
        select(CertificateEvent.action).order_by(CertificateEvent.id)
    ).all()
    # "emailed": issuing queued the email, and the suite runs each job at its commit.
    assert actions == ["issued", "emailed", "reissued", "superseded"]
    # Reissuing the superseded one again is refused: only the newest can be reissued.
    post(client, f"/admin/certificates/{certificate.code}/reissue", {"reason": "again"})
    assert db.session.scalar(select(func.count(Certificate.id))) == 2


def test_roster_csv(client, certified):
    course, _, certificate = certified
    login(client, make_user(Role.INSTRUCTOR))
    response = client.get(f"/admin/courses/{course.slug}/certificates/roster.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["license_state"], row["license_number"], row["learner_name"]) == (
        "OH",
        "OT.012345",
        "Jordan Ellis",
    )
    assert (row["course_id"], row["contact_hours"], row["ceus"]) == ("ce-course", "6.75", "0.675")
    assert row["posttest_score"] == "90%" and row["certificate_code"] == certificate.code
    assert row["completion_date"] and row["evaluation_date"] and row["status"] == "valid"


def test_roster_neutralises_formulas(client, app):
    course = import_ce_course()
    make_certified(make_user(name='=HYPERLINK("http://x")'), course)
    login(client, make_user(Role.ADMIN))
    text = client.get(f"/admin/courses/{course.slug}/certificates/roster.csv").get_data(
        as_text=True
    )
    assert "'=HYPERLINK" in text


def test_zip_of_all_pdfs_is_built_by_a_job_once_per_version(app, client, certified):
    course, _, certificate = certified
    make_certified(make_user(), course)
    login(client, make_user(Role.ADMIN))
    url = f"/admin/courses/{course.slug}/certificates.zip"
    page = client.get(url)  # a GET builds nothing
    assert page.status_code == 200 and "Build the ZIP" in page.get_data(as_text=True)
    assert client.post(url).status_code == 400  # no CSRF token

    response = post(client, url)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    response = client.get(url)  # immediate:// built it at the commit
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert len(names) == 2 and any(certificate.code in name for name in names)
    assert all(archive.read(name).startswith(b"%PDF") for name in names)

    folder = Path(app.config["STORAGE_DIR"]) / "exports" / "certificates" / str(course.id)
    built = sorted(folder.glob("*.zip"))
    post(client, url)  # again, with nothing changed: the same job, no second file
    assert db.session.scalar(select(func.count(Job.id)).where(Job.name == "certificates.zip")) == 1
    make_certified(make_user(), course)  # a new certificate: a new version to build
    assert "No ZIP holds the certificates as they stand now" in client.get(url).get_data(
        as_text=True
    )
    post(client, url)
    assert len(zipfile.ZipFile(io.BytesIO(client.get(url).data)).namelist()) == 3
    after = sorted(folder.glob("*.zip"))
    assert len(after) == len(built) + 1


def _urls(course, code):
    return [
        f"/admin/courses/{course.slug}/certificates",
        f"/admin/certificates/{code}",
        f"/admin/courses/{course.slug}/certificates/roster.csv",
        f"/admin/courses/{course.slug}/certificates.zip",
        f"/admin/courses/{course.slug}/evaluation",
        f"/admin/courses/{course.slug}/evaluation.csv",
    ]


def test_learners_cannot_reach_admin_pages(client, certified):
    course, learner, certificate = certified
    login(client, learner)
    for url in _urls(course, certificate.code):
        assert client.get(url).status_code == 403, url
    assert (
        post(client, f"/admin/certificates/{certificate.code}/revoke", {"reason": "x"}).status_code
        == 403
    )
    assert (
        post(client, f"/admin/certificates/{certificate.code}/reissue", {"reason": "x"}).status_code
        == 403
    )


def test_anonymous_is_sent_to_login(client, certified):
    course, _, certificate = certified
    for url in [
        *_urls(course, certificate.code),
        f"/certificates/{certificate.code}.pdf",
        "/certificates",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == login_url(url), url


def test_instructor_reads_but_cannot_revoke(client, certified):
    course, _, certificate = certified
    login(client, make_user(Role.INSTRUCTOR))
    for url in _urls(course, certificate.code):
        assert client.get(url).status_code == 200, url
    assert (
        post(client, f"/admin/certificates/{certificate.code}/revoke", {"reason": "x"}).status_code
        == 403
    )


def test_a_learner_cannot_fetch_another_learners_certificate(client, certified):
    course, owner, certificate = certified
    login(client, make_user())
    assert client.get(f"/certificates/{certificate.code}.pdf").status_code == 404
    login_owner = client.application.test_client()
    login(login_owner, owner)
    response = login_owner.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_my_certificates_transcript(client, app):
    course = import_ce_course()
    learner = make_user()
    certificate = make_certified(learner, course)
    login(client, learner)
    html = client.get("/certificates").get_data(as_text=True)
    assert certificate.code in html and "6.75" in html and "0.675" in html and "Total" in html


# The ZIP is built by a job once per state of the course's certificates, kept in campus.storage.


@pytest.fixture
def admin_with_certificates(client, certified):
    course, _, certificate = certified
    login(client, make_user(Role.ADMIN))
    return course, certificate


def _count_renders(monkeypatch) -> list:
    from course.certificates import queries

    rendered = []
    original = queries.certificate_pdf

    def counting(certificate):
        rendered.append(certificate.code)
        return original(certificate)

    monkeypatch.setattr(queries, "certificate_pdf", counting)
    return rendered


def test_zip_is_built_once_then_served_from_storage(
    app, client, admin_with_certificates, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "files"))
    course, certificate = admin_with_certificates
    rendered = _count_renders(monkeypatch)
    url = f"/admin/courses/{course.slug}/certificates.zip"
    post(client, url)  # the job (immediate:// in tests) builds it into storage
    post(client, url)  # asked again with nothing changed: nothing rendered again
    first = client.get(url)
    second = client.get(url)
    assert rendered == [certificate.code]
    assert first.data == second.data
    assert zipfile.ZipFile(io.BytesIO(second.data)).namelist()[0].endswith(".pdf")
    assert second.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in second.headers["Content-Disposition"]
    assert len(list((tmp_path / "files").rglob("*.zip"))) == 1


def test_zip_from_a_bucket_is_a_redirect_any_instance_can_give(
    app, client, admin_with_certificates, bucket_settings, monkeypatch
):
    for name, value in bucket_settings.items():
        monkeypatch.setitem(app.config, name, value)
    course, certificate = admin_with_certificates
    url = f"/admin/courses/{course.slug}/certificates.zip"
    post(client, url)
    response = client.get(url)
    assert response.status_code == 303
    with urllib.request.urlopen(response.headers["Location"]) as answer:  # noqa: S310
        names = zipfile.ZipFile(io.BytesIO(answer.read())).namelist()
    assert any(certificate.code in name for name in names)
    storage(app).close()
    del app.extensions["campus.storage"]
