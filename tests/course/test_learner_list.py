"""The staff learner list: pages, search by name or email, sorting, the withdrawn list,
and enroll and withdraw going back to the same search and page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from campus.accounts.models import Role
from campus.enrollment.queries import find_enrollment
from campus.enrollment.services import withdraw
from campus.extensions import db
from campus.models import utcnow
from course.progress import queries
from course.progress.models import TimeOnTask
from tests.factories import complete_lessons, lesson_named, make_enrollment, make_user
from tests.helpers import client_for, post

LEARNERS = "/courses/test-course/learners"


@pytest.fixture
def staff(app):
    return client_for(app, make_user(Role.INSTRUCTOR))


def enroll_named(course, *names: str, minutes_apart: int = 1) -> list:
    """Learners named as given (emails from their names), enrolled in order."""
    start = utcnow() - timedelta(days=1)
    users = []
    for index, name in enumerate(names):
        user = make_user(name=name, email=name.lower().replace(" ", ".") + "@example.com")
        make_enrollment(user, course).enrolled_at = start + timedelta(minutes=index * minutes_apart)
        users.append(user)
    db.session.commit()
    return users


def listed(html: str, section: str = "enrolled") -> list[str]:
    """Names in the enrolled (or withdrawn) table, in page order."""
    parts = re.split(r'<h2 id="withdrawn">', html)
    part = parts[0] if section == "enrolled" else (parts[1] if len(parts) > 1 else "")
    return re.findall(r"<td>([^<]+)<br><span class=\"meta\">", part)


def page_of(client, query: str = "") -> str:
    response = client.get(LEARNERS + query)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


NAMES = [f"Learner {letter}" for letter in "ABCDEFGHIJKL"]  # 12


def test_pages_split_the_learners_in_name_order_with_a_pager(app, course, staff):
    app.config["LEARNERS_PER_PAGE"] = 5
    enroll_named(course, *reversed(NAMES))
    first = page_of(staff)
    assert listed(first) == NAMES[:5]
    assert "Showing 1–5 of 12." in first and "Enrolled (12)" in first
    pager = re.search(
        r'<nav class="pager" aria-label="Pages of enrolled learners">(.*?)</nav>', first, re.S
    )
    assert pager, "no labelled pager"
    assert '<span aria-current="page">1</span>' in pager.group(1)
    assert 'href="/courses/test-course/learners?page=3"' in pager.group(1)
    assert 'rel="next"' in pager.group(1) and 'rel="prev"' not in pager.group(1)
    assert listed(page_of(staff, "?page=2")) == NAMES[5:10]
    last = page_of(staff, "?page=3")
    assert listed(last) == NAMES[10:] and "Showing 11–12 of 12." in last
    assert 'rel="next"' not in last


def test_a_page_past_the_last_shows_the_last(app, course, staff):
    app.config["LEARNERS_PER_PAGE"] = 5
    enroll_named(course, *NAMES)
    html = page_of(staff, "?page=99")
    assert listed(html) == NAMES[10:]
    assert '<span aria-current="page">3</span>' in html


def test_an_empty_course_has_one_empty_page(staff, course):
    html = page_of(staff, "?page=4")
    assert "No learner is enrolled yet." in html and 'class="pager"' not in html


@pytest.mark.parametrize(
    "query", ["?page=0", "?page=-1", "?page=abc", "?page=1.5", "?page=99999999999", "?sort=x"]
)
def test_a_bad_page_or_sort_is_a_400(staff, course, query):
    assert staff.get(LEARNERS + query).status_code == 400


@pytest.mark.parametrize("walk_users_by_name", [False, True])
def test_name_order_is_the_same_whichever_way_it_is_read(
    app, course, staff, monkeypatch, walk_users_by_name
):
    """Sorting the course's learners and walking users(full_name, id) agree, ties by id;
    users not enrolled here, or only elsewhere, are never listed."""
    from tests.factories import import_ce_course

    app.config["LEARNERS_PER_PAGE"] = 4
    if walk_users_by_name:
        monkeypatch.setattr(queries, "SORTED_IN_MEMORY", 0)
    make_user(name="Aaron Nowhere")
    make_enrollment(make_user(name="Abe Elsewhere"), import_ce_course())
    twins = [make_user(name="Pat Same", email=f"pat{i}@example.com") for i in range(3)]
    for twin in twins:
        make_enrollment(twin, course)
    enroll_named(course, "Zed Last", "Ann First")
    names = listed(page_of(staff)) + listed(page_of(staff, "?page=2"))
    assert names == ["Ann First", "Pat Same", "Pat Same", "Pat Same", "Zed Last"]
    first = page_of(staff)
    emails = re.findall(r'<span class="meta">(pat\d@example.com)</span>', first)
    assert emails == ["pat0@example.com", "pat1@example.com", "pat2@example.com"]


def test_recent_sort_lists_the_newest_enrollment_first(app, course, staff):
    enroll_named(course, "Old One", "Middle One", "New One")
    assert listed(page_of(staff, "?sort=recent")) == ["New One", "Middle One", "Old One"]
    html = page_of(staff, "?sort=recent")
    assert '<option value="recent" selected>' in html


def test_each_row_shows_its_own_figures(app, course, staff):
    """Lessons complete and real viewing time are each learner's own, on every page."""
    app.config["LEARNERS_PER_PAGE"] = 2
    ann, bea, cy = enroll_named(course, "Ann", "Bea", "Cy")
    complete_lessons(cy, course, 2)
    complete_lessons(ann, course, 1)
    lesson = lesson_named(course)
    for user, seconds in ((cy, 90.0), (bea, 30.0)):
        db.session.add(
            TimeOnTask(
                user_id=user.id,
                lesson_id=lesson.id,
                course_id=course.id,
                day=date(2026, 11, 1),
                credited_seconds=seconds,
                real_seconds=seconds,
            )
        )
    db.session.commit()
    cells = re.findall(r"<td>(\d+)</td>\s*<td>([\d:]+)</td>", page_of(staff))
    assert cells == [("1", "0:00"), ("0", "0:30")]
    cells = re.findall(r"<td>(\d+)</td>\s*<td>([\d:]+)</td>", page_of(staff, "?page=2"))
    assert cells == [("2", "1:30")]


@pytest.mark.parametrize("search", ["dana", "DANA", "rivera@EXAMPLE", "Rivera"])
def test_search_finds_learners_by_name_or_email(app, course, staff, search):
    enroll_named(course, "Dana Rivera", "Sam Other")
    make_user(name="Dana Notenrolled")
    html = page_of(staff, f"?q={search}")
    assert listed(html) == ["Dana Rivera"]
    assert f"1 of 2 enrolled learners match “{search}”" in html
    assert f'value="{search}"' in html and "Clear search" in html


def test_search_matches_percent_and_underscore_as_themselves(course, staff):
    enroll_named(course, "Ann 100% Sure", "Bo Plain", "Cy_Under")
    assert listed(page_of(staff, "?q=%25")) == ["Ann 100% Sure"]
    assert listed(page_of(staff, "?q=_")) == ["Cy_Under"]


def test_a_search_that_finds_no_one_says_so(course, staff):
    enroll_named(course, "Dana Rivera")
    html = page_of(staff, "?q=nobody")
    assert "No enrolled learner matches that name or email." in html
    assert "0 of 1 enrolled learner match" in html


def test_search_keeps_to_its_pages(app, course, staff):
    app.config["LEARNERS_PER_PAGE"] = 2
    enroll_named(course, "Ann Smith", "Bea Smith", "Cy Jones", "Di Smith")
    html = page_of(staff, "?q=smith&page=2")
    assert listed(html) == ["Di Smith"]
    assert 'href="/courses/test-course/learners?q=smith"' in html  # page 1 keeps the search


def test_a_withdrawn_learner_leaves_the_list_on_the_next_request(app, course, staff):
    app.config["LEARNERS_PER_PAGE"] = 2
    ann, bea, cy = enroll_named(course, "Ann", "Bea", "Cy")
    assert listed(page_of(staff, "?page=2")) == ["Cy"]
    response = post(staff, f"{LEARNERS}/{cy.id}/withdraw?page=2")
    # Back to page 2, which no longer exists: the last page is shown instead.
    assert response.headers["Location"] == LEARNERS + "?page=2"
    html = page_of(staff, "?page=2")
    assert listed(html) == ["Ann", "Bea"]
    assert listed(html, "withdrawn") == ["Cy"] and "Withdrawn (1)" in html
    assert find_enrollment(cy.id, course.id).status == "withdrawn"


def test_enroll_and_withdraw_go_back_to_the_same_search_and_sort(course, staff):
    ann, bea = enroll_named(course, "Ann Smith", "Bea Jones")
    form_action = re.search(
        rf'action="({LEARNERS}/{ann.id}/withdraw[^"]*)"', page_of(staff, "?q=smith&sort=recent")
    )
    assert form_action.group(1) == f"{LEARNERS}/{ann.id}/withdraw?q=smith&amp;sort=recent"
    response = post(staff, f"{LEARNERS}/{ann.id}/withdraw?q=smith&sort=recent")
    assert response.headers["Location"] == LEARNERS + "?q=smith&sort=recent"
    response = post(staff, f"{LEARNERS}/enroll?q=smith", {"email": ann.email})
    assert response.headers["Location"] == LEARNERS + "?q=smith"
    assert find_enrollment(ann.id, course.id).status == "active"


def test_the_way_back_is_built_not_copied(course, staff):
    """The list's arguments are re-encoded into a path on this site: no open redirect."""
    (ann,) = enroll_named(course, "Ann")
    response = post(staff, f"{LEARNERS}/{ann.id}/withdraw?q=//evil.example/&next=https://x")
    assert response.headers["Location"] == LEARNERS + "?q=//evil.example/"


def test_a_bad_page_on_a_form_changes_nothing(course, staff):
    (ann,) = enroll_named(course, "Ann")
    assert post(staff, f"{LEARNERS}/{ann.id}/withdraw?page=x").status_code == 400
    assert find_enrollment(ann.id, course.id).status == "active"


def test_the_withdrawn_list_is_bounded_and_searchable(app, course, staff, monkeypatch):
    monkeypatch.setattr(queries, "WITHDRAWN_SHOWN", 2)
    admin = make_user(Role.ADMIN)
    for user in enroll_named(course, "Wes C", "Wes A", "Wes B", "Stays"):
        if user.full_name != "Stays":
            withdraw(admin, user, course.id, started=True)
    db.session.commit()
    html = page_of(staff)
    assert listed(html) == ["Stays"]
    assert listed(html, "withdrawn") == ["Wes A", "Wes B"] and "Withdrawn (3)" in html
    assert "Showing the first 2 by name; search to find the others." in html
    found = page_of(staff, "?q=wes c")
    assert listed(found) == [] and listed(found, "withdrawn") == ["Wes C"]
    assert "Withdrawn (1 matching)" in found


@pytest.mark.parametrize("who", ["learner", "enrolled"])
def test_learners_are_refused_whatever_the_arguments(app, course, who):
    user = make_user()
    if who == "enrolled":
        make_enrollment(user, course)
    client = client_for(app, user)
    for query in ("", "?page=2&q=a", "?page=x", "?sort=x"):
        assert client.get(LEARNERS + query).status_code == 403
    assert post(client, f"{LEARNERS}/{user.id}/withdraw?page=2").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, course):
    assert client.get(LEARNERS + "?q=a&page=2").status_code == 302


def test_each_row_links_to_its_own_ledger_and_withdraw(course, staff):
    users = enroll_named(course, "Ann", "Bea")
    html = page_of(staff, "?q=e")  # "Bea" and both emails ("@example.com")
    for user in users:
        assert f'href="{LEARNERS}/{user.id}/time-on-task"' in html
        assert f'href="{LEARNERS}/{user.id}/time-on-task.csv"' in html
        assert f'action="{LEARNERS}/{user.id}/withdraw?q=e"' in html


def test_row_urls_put_the_id_in_the_right_place(app):
    """The id goes where url_for would put it, even when the slug or search is a 0."""
    from flask import url_for

    from course.progress.admin_views import _per_learner

    with app.test_request_context():
        build = _per_learner("progress_admin.withdraw_learner", slug="0", q="/0/", page=2)
        assert build(10) == url_for(
            "progress_admin.withdraw_learner", slug="0", user_id=10, q="/0/", page=2
        )
        ledger = _per_learner("progress_admin.learner_ledger_csv", slug="0")
        assert ledger(7) == "/courses/0/learners/7/time-on-task.csv"
