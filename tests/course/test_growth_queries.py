"""The staff learners page costs the same queries at 10 learners as at many (bench/speed.py
times it at 10 and 10,000; here only the count, no timings)."""

from campus.accounts.models import Role
from tests.factories import make_enrollment, make_user
from tests.helpers import client_for, count_queries


def learners_page_queries(client) -> int:
    with count_queries() as statements:
        response = client.get("/courses/test-course/learners")
        assert response.status_code == 200
    return len(statements)


def test_learners_page_queries_do_not_grow_with_learners(app, course):
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    for _ in range(10):
        make_enrollment(make_user(), course)
    few = learners_page_queries(staff)
    for _ in range(50):
        make_enrollment(make_user(), course)
    many = learners_page_queries(staff)
    assert few == many, (few, many)
