"""A certificate refused for incomplete CE settings tells the staff for real: one email per
course and missing-field set, to instructors and admins only; a warning on the staff pages
while the settings stay incomplete; and words to the learner that are true."""

import html as html_lib

import pytest
from sqlalchemy import func, select

from campus.accounts.models import Role
from campus.extensions import db
from course.certificates.models import Certificate, CeSettingsAlert
from tests.factories import (
    import_ce_course,
    make_enrollment,
    make_ready_for_certificate,
    make_user,
)
from tests.helpers import client_for, post, run_due_jobs


@pytest.fixture
def broken_course(app):
    course = import_ce_course()
    course.ce = {**course.ce, "provider_number": "", "disclaimer": "  "}
    db.session.commit()
    return course


def claim(app, user, course) -> str:
    """A ready learner claims the certificate; returns the page they land on."""
    client = client_for(app, user)
    response = post(client, f"/courses/{course.slug}/certificate", follow_redirects=True)
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def ready_learner(course):
    learner = make_user()
    make_enrollment(learner, course)
    make_ready_for_certificate(learner, course)
    return learner


def test_many_refusals_email_the_staff_once(app, broken_course, smtp_server):
    instructor = make_user(Role.INSTRUCTOR)
    admin = make_user(Role.ADMIN)
    make_user(Role.ADMIN).is_disabled = True
    db.session.commit()
    learners = [ready_learner(broken_course) for _ in range(5)]

    first = claim(app, learners[0], broken_course)
    assert "CE settings are incomplete (disclaimer, provider_number)" in first
    assert "The provider is being told by email now." in first
    assert "asked to fix" not in first
    smtp_server.wait_for(2)
    for learner in learners[1:]:
        later = claim(app, learner, broken_course)
        assert "The provider has been told." in later

    assert sorted(m["To"] for m in smtp_server.messages) == sorted([instructor.email, admin.email])
    message = smtp_server.messages[0]
    assert broken_course.title in message["Subject"]
    assert "Missing: disclaimer, provider_number" in message.get_content()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    alert = db.session.scalar(select(CeSettingsAlert))
    assert alert.sent_at is not None and alert.recipients == 2


def test_another_missing_field_set_is_a_new_email(app, broken_course, smtp_server):
    instructor = make_user(Role.INSTRUCTOR)
    claim(app, ready_learner(broken_course), broken_course)
    smtp_server.wait_for(1)
    broken_course.ce = {**broken_course.ce, "disclaimer": "Fixed.", "content_focus": ""}
    db.session.commit()
    words = claim(app, ready_learner(broken_course), broken_course)
    assert "(content_focus, provider_number)" in words and "being told" in words
    assert [m["To"] for m in smtp_server.wait_for(2)] == [instructor.email] * 2
    assert db.session.scalar(select(func.count(CeSettingsAlert.id))) == 2


def test_a_failed_email_is_not_claimed_as_sent_and_is_retried(app, broken_course, smtp_server):
    make_user(Role.INSTRUCTOR)
    saved_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there: the mail fails
    try:
        claim(app, ready_learner(broken_course), broken_course)
        assert db.session.scalar(select(CeSettingsAlert.sent_at)) is None
        words = claim(app, ready_learner(broken_course), broken_course)
        assert "has been told" not in words and "being told" in words
        assert smtp_server.messages == []
    finally:
        app.config["MAIL_PORT"] = saved_port
    assert run_due_jobs(app) == 1  # the queue's retry, once the server answers again
    assert len(smtp_server.messages) == 1
    claim(app, ready_learner(broken_course), broken_course)
    assert run_due_jobs(app) == 0
    assert len(smtp_server.messages) == 1


def test_without_staff_the_learner_is_asked_to_tell_the_provider(app, broken_course):
    words = claim(app, ready_learner(broken_course), broken_course)
    assert "Please let the provider know." in words and "told" not in words
    assert db.session.scalar(select(func.count(CeSettingsAlert.id))) == 0


def test_staff_pages_warn_while_the_ce_settings_are_incomplete(app, broken_course):
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    pages = [f"/courses/{broken_course.slug}", f"/admin/courses/{broken_course.slug}/certificates"]
    for path in pages:
        page = staff.get(path).get_data(as_text=True)
        assert "Certificates are refused" in page
        assert "missing provider_number, disclaimer" in page
    learner_page = client_for(app, ready_learner(broken_course)).get(pages[0])
    assert "Certificates are refused" not in learner_page.get_data(as_text=True)

    broken_course.ce = {**broken_course.ce, "provider_number": "1234", "disclaimer": "Fixed."}
    db.session.commit()
    for path in pages:
        assert "Certificates are refused" not in staff.get(path).get_data(as_text=True)
