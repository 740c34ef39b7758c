"""/verify/<code>.json: each state, open to any origin, the page's rate limit; the watermark
of revoked and superseded PDFs, with the stored snapshot untouched."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy.orm.attributes import flag_modified

from campus.accounts.models import Role
from campus.extensions import db
from course.certificates.models import Certificate
from course.certificates.pdf import certificate_pdf, render_certificate
from course.certificates.services import new_code, reissue_certificate, revoke_certificate
from tests.course.test_ce_status import pdftotext
from tests.factories import import_ce_course, make_certified, make_user
from tests.helpers import login, post


@pytest.fixture
def certificate(app):
    return make_certified(make_user(name="Jordan Ellis"), import_ce_course())


def _json(client, code: str, status: int = 200) -> dict:
    response = client.get(f"/verify/{code}.json")
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def test_a_valid_approved_certificate(client, certificate):
    answer = _json(client, certificate.code)
    assert answer["status"] == "valid" and answer["valid_for_ce_credit"] is True
    assert answer["sample"] is False
    assert answer["holder_name"] == "Jordan Ellis"
    assert answer["course"] == {"id": "ce-course", "title": certificate.snapshot["course_title"]}
    assert answer["contact_hours"] == 6.75
    assert {c["board"]: c["units"] for c in answer["credits"]} == {"aota": 0.675, "nbcot": 8.4375}
    assert answer["provider"] == {
        "name": "Campus Learning for School Therapists",
        "number": "12345",
    }
    assert answer["approval_id"] == "ACT-0042"
    assert answer["completed_on"] == certificate.snapshot["completed_on"]
    assert answer["issued_on"] == certificate.snapshot["issued_on"]
    assert answer["revocation"] is None and answer["superseded_by"] is None


def test_a_typed_code_in_any_case_finds_it(client, certificate):
    assert _json(client, certificate.code.replace("-", "").lower())["code"] == certificate.code


def test_a_sample_claims_no_approval(client, app):
    course = import_ce_course()
    course.ce = {**course.ce, "status": "pending"}
    flag_modified(course, "ce")
    db.session.commit()
    answer = _json(client, make_certified(make_user(), course).code)
    assert answer["sample"] is True and answer["valid_for_ce_credit"] is False
    assert answer["provider"] is None and answer["approval_id"] is None
    assert answer["credits"] == [] and answer["contact_hours"] == 6.75


def test_a_revocation_shows_its_category_and_date_never_the_free_text(client, certificate):
    revoke_certificate(
        make_user(Role.ADMIN), certificate, "Mixed up J. Ellis's records", "issued_in_error"
    )
    db.session.commit()
    answer = _json(client, certificate.code)
    assert answer["status"] == "revoked" and answer["valid_for_ce_credit"] is False
    assert answer["revocation"] == {
        "category": "issued_in_error",
        "date": certificate.revoked_at.date().isoformat(),
    }
    assert "Mixed up" not in str(answer)


def test_a_superseded_certificate_points_to_its_successor(client, certificate):
    new = reissue_certificate(make_user(Role.ADMIN), certificate, "name change")
    db.session.commit()
    answer = _json(client, certificate.code)
    assert answer["status"] == "superseded" and answer["superseded_by"] == new.code
    assert _json(client, new.code)["status"] == "valid"


def test_an_unknown_code_is_a_404_in_json(client, app):
    assert _json(client, new_code(), 404)["status"] == "not_found"
    assert _json(client, "hello", 404)["status"] == "not_found"


def test_the_page_and_the_json_share_one_rate_limit(client, certificate):
    for _ in range(30):
        assert client.get(f"/verify/{certificate.code}").status_code == 200
    response = client.get(f"/verify/{certificate.code}.json")
    assert response.status_code == 429
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("state", ["revoked", "superseded"])
def test_a_revoked_or_superseded_pdf_is_watermarked_and_the_snapshot_untouched(
    certificate, tmp_path, state
):
    before = copy.deepcopy(certificate.snapshot)
    original = pdftotext(
        render_certificate(before, certificate.code, "https://x.test/verify"), tmp_path
    )[0]
    admin = make_user(Role.ADMIN)
    if state == "revoked":
        revoke_certificate(admin, certificate, "issued in error")
    else:
        reissue_certificate(admin, certificate, "name change")
    db.session.commit()
    text = pdftotext(certificate_pdf(certificate), tmp_path)[0]
    assert f"{state.upper()} \u2014" in text and state.upper() not in original
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).snapshot == before


def test_the_admin_form_records_the_category_and_refuses_an_unknown_one(client, certificate):
    login(client, make_user(Role.ADMIN))
    post(
        client,
        f"/admin/certificates/{certificate.code}/revoke",
        {"reason": "x", "category": "made-up"},
    )
    db.session.expire_all()
    assert certificate.revoked_at is None
    post(
        client,
        f"/admin/certificates/{certificate.code}/revoke",
        {"reason": "requested", "category": "participant_request"},
    )
    db.session.expire_all()
    assert certificate.revoked_category == "participant_request"
