"""The instructor's dashboard in Chromium: no serious accessibility violations (charts and
tables included), and one click reminds a stuck learner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from campus.accounts.models import Role
from campus.enrollment.models import Enrollment
from campus.extensions import db
from campus.models import utcnow
from course.progress.models import LessonProgress
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_accessibility import audit
from tests.factories import (
    complete_lessons,
    import_ce_course,
    learner_in,
    make_certified,
    make_ready_for_certificate,
    make_thread,
    make_user,
)

pytestmark = pytest.mark.browser


def _cohort(course) -> None:
    """Twelve learners spread over the steps; the slow ones idle for three weeks."""
    names = ["Avery Diaz", "Blake Chen", "Casey Osei", "Devon Patel", "Emery Novak", "Finley Ruiz"]
    for n in range(12):
        learner = learner_in(course, name=f"{names[n % 6]} {n}")
        if n % 4 == 1:
            complete_lessons(learner, course, count=1)
        elif n % 4 == 2:
            make_ready_for_certificate(learner, course)
        elif n % 4 == 3:
            make_certified(learner, course)
        if n % 3 == 0:
            old = utcnow() - timedelta(days=21 + n)
            db.session.execute(
                update(Enrollment).where(Enrollment.user_id == learner.id).values(enrolled_at=old)
            )
            db.session.execute(
                update(LessonProgress)
                .where(LessonProgress.user_id == learner.id)
                .values(updated_at=old)
            )
    author = learner_in(course, name="Question Asker")
    make_thread(
        course, author, title="How do I start push-in with a new teacher?", is_question=True
    )
    make_thread(course, author, title="Seating for a kindergartner?", is_question=True)
    db.session.commit()


def test_dashboard_is_accessible_and_reminds_in_one_click(live_server, audit_page):
    course = import_ce_course()
    _cohort(course)
    instructor = make_user(Role.INSTRUCTOR)
    page = audit_page
    sign_in(page, live_server, instructor.email, "**/dashboard")
    page.goto(f"{live_server}/courses/{course.slug}/dashboard")

    assert page.get_by_role("img", name="Learners at each step").is_visible()
    assert audit(page) == []
    screenshot(page, "instructor-dashboard")

    page.get_by_role("button", name="Send reminder to Avery Diaz 0").click()
    assert page.get_by_text("A reminder is on its way to Avery Diaz 0.").is_visible()
    page.get_by_role("button", name="Send reminder to Avery Diaz 0").click()
    assert page.get_by_text("another reminder can go from").is_visible()


def test_item_analysis_and_audit_pages_are_accessible(live_server, audit_page):
    from tests.course.test_item_analysis import _answer

    course = import_ce_course()
    for n in range(24):
        picks = {"push-in": ["a" if n % 3 else "b"], "natural-settings": ["a", "b"]}
        picks["data"] = ["b"] if n % 2 else ["a"]
        _answer(course, learner_in(course), 1, picks)
    admin = make_user(Role.ADMIN)
    page = audit_page
    sign_in(page, live_server, admin.email, "**/dashboard")
    page.goto(f"{live_server}/admin/courses/{course.slug}/item-analysis")
    assert page.get_by_text("24 learner(s)").is_visible()
    assert audit(page) == []
    screenshot(page, "item-analysis")
    page.goto(f"{live_server}/admin/audit/")
    assert audit(page) == []
    screenshot(page, "audit-log")
