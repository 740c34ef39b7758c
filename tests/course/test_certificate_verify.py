"""The public /verify page: valid, revoked, superseded, not found; rate-limited; nothing extra."""

from __future__ import annotations

from campus.extensions import db
from campus.templating import long_date
from course.certificates.queries import normalize_code
from course.certificates.services import (
    new_code,
    reissue_certificate,
    revoke_certificate,
)
from tests.factories import import_ce_course, make_certified, make_user


def _certificate(**user_fields):
    user = make_user(name="Jordan Ellis")
    for key, value in user_fields.items():
        setattr(user, key, value)
    db.session.commit()
    return make_certified(user, import_ce_course())


def test_valid(client):
    certificate = _certificate(license_number="OT-99999")
    response = client.get(f"/verify/{certificate.code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid." in html and "Jordan Ellis" in html and "6.75" in html and "0.675" in html
    assert (
        "Integrated Push-In Practice" in html
        and long_date(certificate.snapshot["completed_on"]) in html
    )
    assert "OT-99999" not in html  # the license number is not published
    assert "@example.com" not in html


def test_typed_code_is_forgiving(client):
    certificate = _certificate()
    typed = certificate.code.replace("-", " ").lower()
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{certificate.code}")
    assert client.get(f"/verify/{certificate.code.replace('-', '').lower()}").status_code == 200


def test_malformed_typed_code_gets_a_message(client):
    response = client.get("/verify", query_string={"code": "hello"})
    assert response.status_code == 400
    assert "16 letters and digits" in response.get_data(as_text=True)


def test_not_found(client):
    response = client.get(f"/verify/{new_code()}")
    assert response.status_code == 404
    assert "Not found." in response.get_data(as_text=True)
    assert client.get("/verify/<script>").status_code == 404


def test_revoked_shows_date_and_a_reason_category_never_the_free_text(client):
    """The admin's free text can name people or details; the public page shows its category."""
    certificate = _certificate()
    revoke_certificate(
        None, certificate, "Post-test irregularity reported by R. Quinn", "academic_integrity"
    )
    db.session.commit()
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked" in html and "Reason: Academic integrity." in html
    assert "irregularity" not in html and "Quinn" not in html
    assert certificate.revoked_at.strftime("%B") in html


def test_superseded_links_to_the_new_certificate(client):
    certificate = _certificate()
    new = reissue_certificate(None, certificate, "legal name change")
    db.session.commit()
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Superseded." in html and f"/verify/{new.code}" in html
    assert "Valid." in client.get(f"/verify/{new.code}").get_data(as_text=True)


def test_lookups_are_rate_limited(client):
    statuses = [client.get(f"/verify/{new_code()}").status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


def test_codes_are_typeable_and_normalize():
    code = new_code()
    assert len(code) == 19 and code.count("-") == 3
    assert not set(code.replace("-", "")) & set("01ILOU")
    assert normalize_code(code.lower().replace("-", " ")) == code
    assert normalize_code("0000-0000-0000-0000") is None
