"""License state and number before the certificate: per-state checks, the checklist step and
its page, the gate, and the profile."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campus.accounts.licenses import LICENSE_FORMATS, normalize_license
from campus.errors import UserError
from campus.extensions import db
from course.certificates.models import Certificate
from tests.course.ce_helpers import submit_evaluation, take_posttest
from tests.factories import complete_lessons, import_ce_course, make_enrollment, make_user
from tests.helpers import login, post


@pytest.mark.parametrize(
    ("state", "number", "stored"),
    [
        ("NY", "012345", ("NY", "012345")),
        ("ny", " 012 345 ", ("NY", "012345")),
        ("FL", "ot 12345", ("FL", "OT12345")),
        ("CA", "OT-1234", ("CA", "OT-1234")),
        ("NC", "12345", ("NC", "12345")),
        ("TX", "OT.012345", ("TX", "OT.012345")),
        ("OH", "OT/2019/77", ("OH", "OT/2019/77")),
    ],
)
def test_good_license_numbers_are_stored_whole_without_spaces(state, number, stored):
    assert normalize_license(state, number) == stored


@pytest.mark.parametrize(
    ("state", "number", "message"),
    [
        ("NY", "12345", "New York license number looks like 012345"),  # five digits
        ("NY", "OT012345", "New York license number looks like 012345"),
        ("NY", "0123456", "New York license number looks like 012345"),
        ("FL", "N/A", "at least one digit"),
        ("TX", "pending", "at least one digit"),
        ("CA", "12", "3 to 20 letters and digits"),
        ("NC", "1" * 21, "3 to 20 letters and digits"),
        ("NC", "-12345", "3 to 20 letters and digits"),
        ("FL", "OT#1234", "3 to 20 letters and digits"),
        ("FL", "", "Give your license number"),
        ("ZZ", "12345", "Choose the state"),
        ("", "12345", "Choose the state"),
        ("Ohio", "12345", "Choose the state"),
    ],
)
def test_bad_license_numbers_are_refused_with_a_reason(state, number, message):
    with pytest.raises(UserError) as refused:
        normalize_license(state, number)
    assert message in refused.value.message
    assert refused.value.status_code == 400


def test_every_known_format_cites_a_source_and_accepts_its_example():
    for state, known in LICENSE_FORMATS.items():
        assert known.source and "." in known.source
        assert normalize_license(state, known.example)[1] == known.example


# The step in the CE gate


@pytest.fixture
def unlicensed(client):
    """A learner of the approved CE course who has passed the post-test, with no license."""
    course = import_ce_course()
    user = make_user(license=None)
    make_enrollment(user, course)
    login(client, user)
    complete_lessons(user, course)
    take_posttest(client, course, right=5)
    return course, user


def _certificates() -> int:
    return db.session.scalar(select(func.count(Certificate.id)))


def test_evaluation_leads_to_the_license_step_and_no_certificate_yet(client, unlicensed):
    course, _ = unlicensed
    response = submit_evaluation(client, course)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/courses/{course.slug}/license")
    assert _certificates() == 0
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Give your license state and number" in page
    post(client, f"/courses/{course.slug}/certificate")  # claiming does not skip the step
    assert _certificates() == 0


def test_saving_the_license_issues_the_certificate_with_it(client, unlicensed, smtp_server):
    course, user = unlicensed
    submit_evaluation(client, course)
    page = client.get(f"/courses/{course.slug}/license").get_data(as_text=True)
    assert 'name="license_number"' in page and "New York" in page
    response = post(
        client,
        f"/courses/{course.slug}/license",
        {"license_state": "NY", "license_number": "012 345"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.license_state, user.license_number) == ("NY", "012345")
    certificate = db.session.scalar(select(Certificate))
    assert certificate.snapshot["license_number"] == "012345"


@pytest.mark.parametrize(
    "data",
    [
        {"license_state": "NY", "license_number": "12345"},
        {"license_state": "ZZ", "license_number": "12345"},
        {"license_state": "", "license_number": "12345"},
        {"license_state": "FL", "license_number": ""},
        {"license_state": "FL", "license_number": "x" * 41},
    ],
)
def test_bad_license_is_a_400_that_keeps_the_input_and_saves_nothing(client, unlicensed, data):
    course, user = unlicensed
    submit_evaluation(client, course)
    response = post(client, f"/courses/{course.slug}/license", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html or 'class="error"' in html
    if data["license_number"]:
        assert data["license_number"][:20] in html  # what was typed is still there
    db.session.expire_all()
    assert user.license_number is None and _certificates() == 0


def test_license_post_needs_its_csrf_token(client, unlicensed):
    course, user = unlicensed
    response = client.post(
        f"/courses/{course.slug}/license", data={"license_state": "NY", "license_number": "012345"}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert user.license_number is None


def test_license_page_needs_a_signed_in_enrolled_learner(app):
    course = import_ce_course()
    anonymous = app.test_client()
    assert anonymous.get(f"/courses/{course.slug}/license").status_code == 302
    outsider = app.test_client()
    login(outsider, make_user(license=None))
    assert outsider.get(f"/courses/{course.slug}/license").status_code in (302, 403)


def test_profile_checks_the_license_too(client):
    user = make_user(license=None)
    login(client, user)
    response = post(
        client,
        "/account/profile",
        {
            "full_name": "Jordan Ellis",
            "license_state": "NY",
            "license_number": "12345",
            "time_zone": "America/New_York",
        },
    )
    assert response.status_code == 400
    assert "New York license number looks like 012345" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.license_number is None
