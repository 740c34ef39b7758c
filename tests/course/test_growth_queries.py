"""The staff learners page costs the same queries at 3 learners as at 60 (bench/speed.py
times it at 10 and 10,000; here only the count, no timings)."""

import pytest

from campus.accounts.models import Role
from campus.enrollment.services import withdraw
from campus.extensions import db
from course.progress import queries
from tests.factories import complete_lessons, make_enrollment, make_user
from tests.helpers import client_for, count_queries

PAGES = [
    "/courses/test-course/learners",
    "/courses/test-course/learners?page=2",
    "/courses/test-course/learners?sort=recent",
    "/courses/test-course/learners?q=USER&page=2",
]


def learners_page_queries(client, path: str) -> int:
    with count_queries() as statements:
        response = client.get(path)
        assert response.status_code == 200
    return len(statements)


def add_learners(course, count: int, withdrawn: int) -> None:
    """Learners with completed lessons (so their figures are summed), some withdrawn."""
    admin = make_user(Role.ADMIN)
    for _ in range(count):
        learner = make_user()
        make_enrollment(learner, course)
        complete_lessons(learner, course, 1)
    for _ in range(withdrawn):
        learner = make_user()
        make_enrollment(learner, course)
        withdraw(admin, learner, course.id, started=True)
    db.session.commit()


@pytest.mark.parametrize("walk_users_by_name", [False, True])
def test_learners_page_queries_do_not_grow_with_learners(
    app, course, monkeypatch, walk_users_by_name
):
    """Both ways of reading the name order (sorting the course's learners, or walking the
    users(full_name) index past 20 of them) cost the same number of queries."""
    app.config["LEARNERS_PER_PAGE"] = 10
    if walk_users_by_name:
        monkeypatch.setattr(queries, "SORTED_IN_MEMORY", 20)
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    add_learners(course, 3, withdrawn=1)
    few = [learners_page_queries(staff, path) for path in PAGES]
    add_learners(course, 57, withdrawn=30)
    many = [learners_page_queries(staff, path) for path in PAGES]
    assert few == many, (few, many)
