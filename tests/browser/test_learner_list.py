"""The staff learner list in Chromium with 120 learners: no serious accessibility
violations, the search box and the pager work by their labels, and a withdrawn learner
leaves the list at once."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from campus.accounts.models import Role, User
from campus.enrollment.models import Enrollment
from campus.extensions import db
from campus.models import utcnow
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_accessibility import audit
from tests.factories import complete_lessons, import_fixture_course, make_user

pytestmark = pytest.mark.browser

FIRST = ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan", "Kai", "Logan"]
LAST = ["Diaz", "Chen", "Osei", "Patel", "Novak", "Ruiz", "Kim", "Moreau", "Silva", "Walsh", "Ito"]


def _cohort(course, count: int = 120) -> None:
    """count learners with varied names, in two statements; a few have finished lessons."""
    now = utcnow()
    names = [f"{FIRST[n % 10]} {LAST[n % 11]} {n}" for n in range(count)]
    ids = db.session.scalars(
        insert(User).returning(User.id),
        [
            {
                "email": f"learner{n}@district.example",
                "full_name": name,
                "password_hash": "x",
                "role": "learner",
                "session_token": f"token-{n}",
                "is_disabled": False,
                "created_at": now,
            }
            for n, name in enumerate(names)
        ],
    ).all()
    db.session.execute(
        insert(Enrollment),
        [{"user_id": uid, "course_id": course.id, "enrolled_at": now} for uid in ids],
    )
    db.session.commit()
    for uid in ids[::7]:
        complete_lessons(db.session.get(User, uid), course, 1)


def test_learner_list_pages_searches_and_withdraws(live_server, audit_page):
    course = import_fixture_course()
    _cohort(course)
    instructor = make_user(Role.INSTRUCTOR)
    page = audit_page
    sign_in(page, live_server, instructor.email, "**/dashboard")
    page.goto(f"{live_server}/courses/{course.slug}/learners")

    assert page.get_by_text("Showing 1–50 of 120.").is_visible()
    pager = page.get_by_role("navigation", name="Pages of enrolled learners")
    assert pager.locator("[aria-current=page]").inner_text() == "1"
    assert audit(page) == []
    screenshot(page, "learner-list")

    pager.get_by_role("link", name="3").click()
    assert page.get_by_text("Showing 101–120 of 120.").is_visible()

    page.get_by_label("Name or email").fill("casey osei")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_text("of 120 enrolled learners match").is_visible()
    screenshot(page, "learner-list-search")
    page.get_by_role("button", name="Withdraw Casey Osei 2").click()
    assert page.get_by_text("Casey Osei 2 is withdrawn; their records are kept.").is_visible()
    assert "q=casey+osei" in page.url
    assert page.get_by_role("button", name="Withdraw Casey Osei 2").count() == 0
    assert page.get_by_role("button", name="Enroll Casey Osei 2 again").is_visible()
