"""The PDF read back: every field, hours and CEUs, and a QR code that decodes to /verify/<code>."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from campus.extensions import db
from course.certificates.pdf import certificate_pdf, number
from tests.factories import import_ce_course, make_certified, make_user


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    return re.sub(r"\s+", " ", page.extract_text())


@pytest.fixture
def certificate(app):
    course = import_ce_course()
    user = make_user(name="Jordan Ellis")
    user.license_state, user.license_number = "OH", "OT.012345"
    db.session.commit()
    return make_certified(user, course)


def test_every_field_is_on_the_pdf(certificate):
    text = _text(certificate_pdf(certificate))
    s = certificate.snapshot
    for expected in (
        "Certificate of Completion",
        "Jordan Ellis",
        "OH OT.012345",
        "Integrated Push-In Practice for School OTs",
        "6.75",
        "0.675",
        "AOTA CEUs",
        "Campus Learning for School Therapists",
        "12345",
        "ACT-0042",
        "Intermediate",
        "Category 1: Occupational Therapy Service Delivery - Intervention",
        "Distance Learning - Independent",
        "Dana Rivera, OTD, OTR/L",
        "does not imply endorsement of specific course content",
        "NBCOT",
        "Completion date".upper(),
        "Contact hours".upper(),
        certificate.code,
        "ce-course",
    ):
        assert expected in text, expected
    assert f"/verify/{certificate.code}" in text
    assert s["contact_hours"] == 6.75 and s["ceus"] == 0.675


@pytest.mark.parametrize(
    ("hours", "ceus"), [(6.75, "0.675"), (1, "0.1"), (12.5, "1.25"), (0.25, "0.025")]
)
def test_ceus_are_hours_over_ten(hours, ceus):
    from course.ce_rules import ceus as compute

    assert number(compute(hours)) == ceus


def test_qr_code_decodes_to_the_verification_url(certificate, tmp_path, app, monkeypatch):
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip(
            "pdftoppm and zbarimg (poppler-utils, zbar-tools) are needed to decode the QR code"
        )
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "PUBLIC_BASE_URL", "https://ce.example.org")
        (tmp_path / "c.pdf").write_bytes(certificate_pdf(certificate))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(tmp_path / "c.pdf"), str(tmp_path / "page")],
        check=True,
    )
    png = next(tmp_path.glob("page*.png"))
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"https://ce.example.org/verify/{certificate.code}"


def test_snapshot_is_frozen_against_later_edits(certificate):
    from course.models import Course

    course = db.session.get(Course, certificate.course_id)
    course.title = "Renamed course"
    course.ce = {**course.ce, "provider_name": "Someone else"}
    from campus.accounts.models import User

    db.session.get(User, certificate.user_id).full_name = "New Name"
    db.session.commit()
    text = _text(certificate_pdf(certificate))
    assert "Jordan Ellis" in text and "Integrated Push-In" in text
    assert "New Name" not in text and "Someone else" not in text and "Renamed" not in text


def test_a_name_outside_latin1_renders(app):
    course = import_ce_course()
    certificate = make_certified(make_user(name="Zoë Łukasz-Nguyễn"), course)
    assert "Łukasz-Nguyễn" in _text(certificate_pdf(certificate))


def test_revoked_pdf_is_stamped(certificate):
    from course.certificates.services import revoke_certificate

    revoke_certificate(None, certificate, "issued in error")
    db.session.commit()
    assert "REVOKED" in _text(certificate_pdf(certificate))
