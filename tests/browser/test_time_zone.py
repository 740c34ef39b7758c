"""Sign-up takes the browser's time zone; the profile shows it and can change it."""

import pytest
from sqlalchemy import select

from campus.accounts.models import User
from campus.extensions import db
from tests.browser.conftest import confirmation_path, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def denver_page(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="America/Denver"
    )
    yield context.new_page()
    context.close()


def test_sign_up_keeps_the_browser_zone_and_the_profile_changes_it(live_server, denver_page):
    page = denver_page
    page.goto(f"{live_server}/account/signup")
    page.get_by_label("Full name").fill("Casey Moreno")
    page.get_by_label("Email").fill("casey@example.com")
    page.get_by_label("Password (at least").fill("recess duty on a windy day")
    page.get_by_label("Repeat the password").fill("recess duty on a windy day")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    page.goto(live_server + confirmation_path("casey@example.com"))
    page.get_by_text("Welcome! Your email is confirmed").wait_for()

    def saved_zone():
        db.session.expire_all()
        return db.session.scalar(select(User.time_zone).where(User.email == "casey@example.com"))

    assert saved_zone() == "America/Denver"
    page.goto(f"{live_server}/account/profile")
    zone = page.get_by_label("Time zone")
    assert zone.input_value() == "America/Denver"
    zone.select_option("America/Chicago")
    screenshot(page, "profile-time-zone")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile is saved.").wait_for()
    assert saved_zone() == "America/Chicago"
