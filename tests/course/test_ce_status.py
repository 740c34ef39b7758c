"""Approval status as data: only an approved course's certificate claims an approval.

Every status goes through the PDF, read back with pdftotext (layout text, every page).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy.orm.attributes import flag_modified

from campus.accounts.models import Role
from campus.errors import UserError
from campus.extensions import db
from course.certificates.pdf import SAMPLE_MARK, certificate_pdf
from course.certificates.services import issue_certificate
from tests.course.test_ce_content import _edit, _problems, ce_copy  # noqa: F401 (fixture)
from tests.factories import (
    import_ce_course,
    make_certified,
    make_ready_for_certificate,
    make_user,
)
from tests.helpers import login

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext")

# What only an approved course prints.
APPROVED_ONLY = (
    "AOTA Approved Provider #12345",
    "(AOTA Provider #12345)",
    "ACT-0042",
    "AOTA CEUs",
    "0.675",
    "is an AOTA Approved Provider of professional development",
    "NBCOT",
    "does not imply endorsement",
)


def pdftotext(data: bytes, tmp_path) -> list[str]:
    """The text of each page."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def course_with(**ce):
    course = import_ce_course()
    course.ce = {**course.ce, **ce}
    flag_modified(course, "ce")
    db.session.commit()
    return course


@pytest.mark.parametrize("status", ["draft", "pending", "approved"])
def test_every_status_through_the_pdf(app, tmp_path, status):
    certificate = make_certified(make_user(name="Jordan Ellis"), course_with(status=status))
    pages = pdftotext(certificate_pdf(certificate), tmp_path)
    assert pages
    for text in pages:
        assert "6.75" in text  # the hours the course carries, under the watermark if any
        assert (SAMPLE_MARK in text) is (status != "approved"), text
        for line in APPROVED_ONLY:
            assert (line in text) is (status == "approved"), (line, text)
    assert certificate.is_sample is (status != "approved")


def test_a_ce_block_without_a_status_is_a_draft(app, tmp_path):
    course = import_ce_course()
    course.ce = {k: v for k, v in course.ce.items() if k != "status"}
    flag_modified(course, "ce")
    db.session.commit()
    certificate = make_certified(make_user(), course)
    assert SAMPLE_MARK in pdftotext(certificate_pdf(certificate), tmp_path)[0]


def test_a_draft_with_missing_ce_fields_issues_a_sample(app, tmp_path):
    course = course_with(status="draft", provider_number="", disclaimer="", instructors=[])
    certificate = make_certified(make_user(), course)
    text = pdftotext(certificate_pdf(certificate), tmp_path)[0]
    assert SAMPLE_MARK in text and "AOTA Provider #" not in text


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_pending_or_approved_with_missing_fields_refuses(app, status):
    course = course_with(status=status, provider_number="")
    user = make_user()
    make_ready_for_certificate(user, course)
    with pytest.raises(UserError) as refused:
        issue_certificate(user, course)
    assert refused.value.status_code == 409 and "provider_number" in refused.value.message


def test_a_revoked_sample_carries_both_marks(app, tmp_path):
    from course.certificates.services import revoke_certificate

    certificate = make_certified(make_user(), course_with(status="pending"))
    revoke_certificate(make_user(Role.ADMIN), certificate, "issued in error")
    db.session.commit()
    text = pdftotext(certificate_pdf(certificate), tmp_path)[0]
    assert SAMPLE_MARK in text and "REVOKED" in text


def test_the_verify_page_says_sample(client, app):
    certificate = make_certified(make_user(), course_with(status="pending"))
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "SAMPLE — not valid for continuing-education credit" in html
    assert "status: pending" in html and "AOTA Provider #" not in html
    assert "<strong>Valid.</strong>" not in html


def test_an_approved_certificate_verifies_as_valid_with_its_provider(client, app):
    certificate = make_certified(make_user(), course_with(status="approved"))
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "<strong>Valid.</strong>" in html and "AOTA Provider #12345" in html
    assert "SAMPLE" not in html


def test_a_sample_is_never_in_the_board_roster(client, app):
    course = course_with(status="draft")
    make_certified(make_user(name="Sam Sample"), course)
    course.ce = {**course.ce, "status": "approved"}
    flag_modified(course, "ce")
    db.session.commit()
    make_certified(make_user(name="Avery Approved"), course)
    login(client, make_user(Role.ADMIN))
    roster = client.get(f"/admin/courses/{course.slug}/certificates/roster.csv").get_data(
        as_text=True
    )
    assert "Avery Approved" in roster and "Sam Sample" not in roster
    page = client.get(f"/admin/courses/{course.slug}/certificates").get_data(as_text=True)
    assert "CE approval status: <strong>approved</strong>" in page
    assert "SAMPLE" in page  # the sample is listed, and marked, on the staff page


def test_staff_see_the_status_and_learners_see_samples_left_out_of_totals(client, app):
    course = course_with(status="draft")
    learner = make_user()
    make_certified(learner, course)
    staff = app.test_client()
    login(staff, make_user(Role.INSTRUCTOR))
    page = staff.get(f"/admin/courses/{course.slug}/certificates").get_data(as_text=True)
    assert "CE approval status: <strong>draft</strong>" in page and "issued as SAMPLEs" in page
    assert "CE approval status: draft" in staff.get(f"/courses/{course.slug}").get_data(
        as_text=True
    )
    login(client, learner)
    mine = client.get("/certificates").get_data(as_text=True)
    assert "SAMPLE (not for CE credit)" in mine
    assert '<td class="num"><strong>0</strong></td>' in mine


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('provider_number: "12345"', "provider_number: PLACEHOLDER-0000", "provider_number"),
        ('provider_number: "12345"', 'provider_number: "0000"', "provider_number"),
        ('approval_id: "ACT-0042"', "approval_id: TBD", "approval_id"),
        (
            "provider_name: Campus Learning for School Therapists",
            "provider_name: Example Provider",
            "provider_name",
        ),
    ],
)
def test_validate_refuses_approved_with_placeholder_values(ce_copy, old, new, field):  # noqa: F811
    _edit(ce_copy / "course.yml", old, new)
    problems = "\n".join(_problems(ce_copy))
    assert f"ce.{field} looks like a placeholder" in problems
    _edit(ce_copy / "course.yml", "status: approved", "status: draft")
    assert _problems(ce_copy) == []  # a draft may carry placeholders: it issues SAMPLEs


def test_validate_checks_status_and_dates(ce_copy):  # noqa: F811
    _edit(ce_copy / "course.yml", "status: approved", "status: aproved")
    _edit(ce_copy / "course.yml", "expires_on: 2029-08-31", "expires_on: 2025-01-01")
    problems = "\n".join(_problems(ce_copy))
    assert "ce.status must be one of draft, pending, approved" in problems
    assert "ce.expires_on must come after ce.approved_on" in problems


def test_validate_wants_an_approval_date_for_an_approved_course(ce_copy):  # noqa: F811
    _edit(ce_copy / "course.yml", "  approved_on: 2026-09-01\n", "")
    assert "ce.approved_on is required" in "\n".join(_problems(ce_copy))


def test_the_first_course_is_an_honest_draft():
    from pathlib import Path

    from course.importer.read_course import load_course

    spec, problems = load_course(Path(__file__).parents[2] / "content" / "from-pull-out-to-push-in")
    assert problems == []
    assert spec.data["ce"]["status"] == "draft"


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs pdftoppm")
def test_render_a_sample_and_an_approved_certificate_for_review(app, tmp_path):
    """PNG renders under test-artifacts/ (git-ignored) for people to look at."""
    from pathlib import Path

    out = Path(__file__).parents[2] / "test-artifacts"
    out.mkdir(exist_ok=True)
    for status in ("draft", "approved"):
        learner = make_user(name="Jordan Ellis")
        learner.license_state, learner.license_number = "OH", "OT.012345"
        certificate = make_certified(learner, course_with(status=status))
        pdf = tmp_path / f"{status}.pdf"
        pdf.write_bytes(certificate_pdf(certificate))
        name = "certificate-sample" if status == "draft" else "certificate-approved"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(out / name)], check=True
        )
        assert (out / f"{name}.png").stat().st_size > 10_000


@pytest.mark.parametrize("status", ["draft", "pending", "approved"])
def test_the_course_page_says_before_enrollment_whether_its_certificates_count(client, status):
    """A visitor learns that a course is not approved before spending hours on it."""
    course = course_with(status=status)
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    warned = "Not yet approved for CE credit." in html
    assert warned is (status != "approved")
    if warned:
        assert f"approval is {status}" in html and "SAMPLEs, not valid for CE credit" in html
