"""A learner gives a license (a wrong New York number first), gets the certificate; an admin
reports the completion to a board; the learner sees it reported. Screenshots and an axe
audit of each new page."""

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_accessibility import AXE, audit
from tests.factories import (
    import_ce_course,
    make_enrollment,
    make_ready_for_certificate,
    make_user,
)

pytestmark = pytest.mark.browser


def _login(page, live_server, user):
    sign_in(page, live_server, user.email, f"{live_server}/dashboard")


@pytest.fixture
def audited(browser):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_license_step_report_and_learner_line(live_server, audited):
    from campus.accounts.models import Role
    from campus.extensions import db

    assert AXE.exists()
    page = audited
    course = import_ce_course()
    course.ce = {
        **course.ce,
        "cebroker_provider_number": "50-1234",
        "cebroker_course_number": "20-98765",
    }
    db.session.commit()
    learner = make_user(name="Jordan Ellis", license=None)
    make_enrollment(learner, course)
    make_ready_for_certificate(learner, course)

    _login(page, live_server, learner)
    page.goto(f"{live_server}/courses/{course.slug}")
    page.get_by_role("link", name="Give your license state and number").click()
    assert audit(page) == []
    page.get_by_label("State that issued your license").select_option("NY")
    page.get_by_label("License number, exactly as on your license").fill("12345")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("A New York license number looks like 012345").wait_for()
    screenshot(page, "license-step-error")
    page.get_by_label("License number, exactly as on your license").fill("012345")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Download your certificate (PDF)").wait_for()
    page.goto(f"{live_server}/certificates")
    page.get_by_text("Not yet reported").wait_for()
    page.context.clear_cookies()

    admin = make_user(Role.ADMIN, name="Alex Admin")
    _login(page, live_server, admin)
    page.goto(f"{live_server}/admin/courses/{course.slug}/board-reports")
    page.get_by_text("Unverified format.").wait_for()
    assert audit(page) == []
    page.get_by_label("Format", exact=True).select_option("cebroker")
    page.get_by_role("button", name="Make the file and log it as reported").click()
    page.get_by_text("Reported 1 completion(s)").wait_for()
    screenshot(page, "board-reports-admin")
    page.context.clear_cookies()

    _login(page, live_server, learner)
    page.goto(f"{live_server}/certificates")
    page.get_by_text("Reported on").wait_for()
    assert audit(page) == []
    screenshot(page, "my-certificates-reported")
