"""The provider admin's certificate list of a course: newest first, a page at a time, in
the same number of queries however many certificates were issued."""

from __future__ import annotations

import re

import pytest

from campus.accounts.models import Role
from course.certificates import queries
from tests.factories import bulk_certified_learners, import_ce_course, make_user
from tests.helpers import client_for, count_queries


@pytest.fixture
def ce_course(app):
    return import_ce_course()


@pytest.fixture
def admin(app):
    return client_for(app, make_user(Role.ADMIN))


def listed(admin, course, query: str = "") -> tuple[int, list[str]]:
    """(queries, participant names in page order) of the certificate list."""
    with count_queries() as statements:
        response = admin.get(f"/admin/courses/{course.slug}/certificates{query}")
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    names = re.findall(r"</code></a></td>\s*<td>([^<]+)</td>", html)
    return len(statements), names


def test_pages_newest_first_in_the_same_queries(admin, ce_course, monkeypatch):
    monkeypatch.setattr(queries, "CERTIFICATES_PER_PAGE", 5)
    bulk_certified_learners(ce_course, 3)  # Template Learner, then Bulk Learner 0 and 1
    few, names = listed(admin, ce_course)
    assert names == ["Bulk Learner 1", "Bulk Learner 0", "Template Learner"]
    bulk_certified_learners(ce_course, 10)
    many, names = listed(admin, ce_course)
    assert few == many, (few, many)
    assert names == [f"Bulk Learner {i}" for i in (8, 7, 6, 5, 4)]
    _, last = listed(admin, ce_course, "?page=3")
    assert last == ["Bulk Learner 1", "Bulk Learner 0", "Template Learner"]
    assert listed(admin, ce_course, "?page=9")[1] == last  # past the last: the last


def test_the_pager_is_labelled_and_marks_the_page(admin, ce_course, monkeypatch):
    monkeypatch.setattr(queries, "CERTIFICATES_PER_PAGE", 2)
    bulk_certified_learners(ce_course, 5)
    html = admin.get(f"/admin/courses/{ce_course.slug}/certificates?page=2").get_data(as_text=True)
    assert '<nav class="pager" aria-label="Pages of certificates">' in html
    assert '<span aria-current="page">2</span>' in html
    assert f'href="/admin/courses/{ce_course.slug}/certificates"' in html  # page 1, plain
    assert "5 certificates, newest first; showing 3–4." in html


@pytest.mark.parametrize("query", ["?page=0", "?page=x", "?page=-2"])
def test_a_bad_page_is_a_400(admin, ce_course, query):
    assert admin.get(f"/admin/courses/{ce_course.slug}/certificates{query}").status_code == 400
