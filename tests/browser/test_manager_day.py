"""A district manager's day: the provider admin uploads an invite list, the invited
teacher opens the emailed link and enrolls in one step, watches a lesson's worth of
progress, and the manager sees it on the district page. Screenshots of each page."""

from __future__ import annotations

import email
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from campus.accounts.models import Role, User
from campus.enrollment.services import enroll_on_seat
from campus.extensions import db
from campus.organisations.services import create_organisation, create_seat_pack
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_accessibility import audit
from tests.conftest import _TMP
from tests.factories import (
    complete_lessons,
    import_ce_course,
    make_certified,
    make_user,
)

pytestmark = pytest.mark.browser
MAIL_DIR = _TMP / "mail"


def _login(page, live_server, user):
    sign_in(page, live_server, user.email, f"{live_server}/dashboard")


def _logout(page):
    page.get_by_role("button", name="Log out").click()


def _invite_link(address: str) -> str:
    """The link in the newest .eml the live server wrote to `address`."""
    for path in sorted(MAIL_DIR.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        if message["To"] == address:
            body = message.get_content()
            return next(line.strip() for line in body.splitlines() if "/invites/" in line)
    raise AssertionError(f"no email to {address}")


@pytest.fixture
def page(browser):
    """A tab that lets axe's script tag in (the site's CSP would rightly block it)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_invite_accept_and_the_manager_sees_progress(live_server, page, tmp_path):
    course = import_ce_course()
    admin = make_user(Role.ADMIN, name="Provider Admin")
    manager = make_user(name="Pat Manager", email="pat@lakeview.example")
    organisation = create_organisation(admin, "Lakeview Unified", [manager.email])
    pack = create_seat_pack(
        admin, organisation, course.id, seats=5, expires_at=None, reference="PO 4411"
    )
    db.session.commit()

    _login(page, live_server, admin)
    page.goto(f"{live_server}/admin/organisations/{organisation.id}")
    listing = tmp_path / "teachers.csv"
    listing.write_text(
        "name,email\nRenée Dubois,renee@lakeview.example\nSam Lee,sam@lakeview.example\n"
        "Bad Row,not-an-email\n"
    )
    page.get_by_label("CSV file with a name and an email column").set_input_files(str(listing))
    page.get_by_role("button", name="Upload and invite").click()
    page.get_by_role("heading", name=f"Invite report: {course.title}").wait_for()
    assert "Not a valid email address." in page.content()
    screenshot(page, "district-invite-report")
    problems = {"invite report": audit(page)}
    page.goto(f"{live_server}/admin/organisations/{organisation.id}")
    problems["organisation"] = audit(page)
    _logout(page)

    link = None
    for _ in range(50):  # the email goes out after the response
        try:
            link = _invite_link("renee@lakeview.example")
            break
        except (AssertionError, FileNotFoundError):
            page.wait_for_timeout(100)
    assert link and "/invites/" in link
    page.goto(live_server + link[link.index("/invites/") :])  # the email names the public host
    assert (
        page.get_by_label("Full name, as it should appear on your certificates").input_value()
        == "Renée Dubois"
    )
    screenshot(page, "district-accept-invite")
    problems["accept"] = audit(page)
    page.get_by_label("Password (at least").fill("lighthouse maple river 7")
    page.get_by_label("Repeat the password").fill("lighthouse maple river 7")
    page.get_by_role("button", name="Create my account and enroll").click()
    page.wait_for_url(f"{live_server}/courses/{course.slug}")
    assert "Your seat is sponsored by Lakeview Unified." in page.content()
    _logout(page)

    renee = db.session.scalar(select(User).where(User.email == "renee@lakeview.example"))
    complete_lessons(renee, course, 1)
    certified = make_user(name="Alex Certified")
    enroll_on_seat(None, certified, pack)
    db.session.commit()
    make_certified(certified, course)
    _login(page, live_server, manager)
    page.get_by_role("link", name="Lakeview Unified: seats and learners").click()
    row = page.get_by_role("row", name="Renée Dubois")
    assert "1 of 2" in row.inner_text()
    assert "Not taken" in row.inner_text()
    assert "Passed" in page.get_by_role("row", name="Alex Certified").inner_text()
    waiting = page.get_by_role("row", name="Sam Lee")
    assert "Invited" in waiting.inner_text()
    assert waiting.get_by_role("button", name="Free seat").is_visible()
    screenshot(page, "district-manager-view")
    problems["manager view"] = audit(page)
    assert {name: found for name, found in problems.items() if found} == {}
