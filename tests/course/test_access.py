"""The access matrix: every route, for every kind of visitor, gives the expected status."""

import pytest

from campus.extensions import db
from tests.factories import make_enrollment, make_user
from tests.helpers import login, login_url, post

LESSON = "/courses/test-course/lessons/lesson-one"
ROLES = ("anonymous", "outsider", "enrolled", "instructor", "admin")

# route -> expected status per role, in ROLES order. A 302 is exact too: anonymous visitors
# go to log in and come back (login_url), signed-in members are sent from the login and
# sign-up pages to their dashboard. Outsiders' 403s are for requests that are not a browser
# navigation (the test client sends no Accept header); navigations are tested below.
GET_MATRIX = {
    "/": (200, 200, 200, 200, 200),
    "/healthz": (200, 200, 200, 200, 200),
    "/courses/test-course": (200, 200, 200, 200, 200),
    "/courses/no-such-course": (404, 404, 404, 404, 404),
    "/dashboard": (302, 200, 200, 200, 200),
    LESSON: (302, 403, 200, 200, 200),
    LESSON + "/video": (302, 403, 200, 200, 200),
    LESSON + "/captions.vtt": (302, 403, 200, 200, 200),
    LESSON + "/resources/worksheet.txt": (302, 403, 200, 200, 200),
    LESSON + "/resources/not-listed.txt": (302, 403, 404, 404, 404),
    "/courses/test-course/lessons/no-such-lesson": (302, 404, 404, 404, 404),
    "/account/profile": (302, 200, 200, 200, 200),
    "/account/password": (302, 200, 200, 200, 200),
    "/account/login": (200, 302, 302, 302, 302),
    "/account/signup": (200, 302, 302, 302, 302),
    "/account/reset": (200, 200, 200, 200, 200),
}


def visitor(client, role, course):
    if role == "anonymous":
        return None
    user = make_user({"outsider": "learner", "enrolled": "learner"}.get(role, role))
    if role == "enrolled":
        make_enrollment(user, course)
    login(client, user)
    return user


@pytest.mark.parametrize("role", ROLES)
def test_get_routes(client, course, role):
    visitor(client, role, course)
    for path, expected in GET_MATRIX.items():
        response = client.get(path)
        status = response.status_code
        response.close()  # file responses stream; close them as a server would
        assert status == expected[ROLES.index(role)], f"{role} GET {path}: {status}"
        if status == 302:
            target = login_url(path) if role == "anonymous" else "/dashboard"
            assert response.headers["Location"] == target, f"{role} GET {path}"


def test_anonymous_is_sent_to_login_with_next(client, course):
    response = client.get(LESSON)
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "/account/login?next=%2Fcourses%2Ftest-course%2Flessons%2Flesson-one"
    )


@pytest.mark.parametrize(
    "path",
    [LESSON, "/courses/test-course/forum/", "/courses/test-course/forum/new"],
)
def test_an_outsider_opening_a_page_is_offered_enrollment(client, course, path):
    visitor(client, "outsider", course)
    response = client.get(path, headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses/test-course"
    page = client.get("/courses/test-course").get_data(as_text=True)
    assert "Enroll in Test Course to open its lessons, forum and post-test." in page
    assert "Enroll in this course" in page
    media = client.get(LESSON + "/video", headers={"Accept": "*/*"})
    assert media.status_code == 403  # not a page: no redirect to follow


def test_create_an_account_keeps_where_the_visitor_was_going(client, course):
    login_page = client.get(LESSON, follow_redirects=True).get_data(as_text=True)
    assert 'href="/account/signup?next=/courses/test-course/lessons/lesson-one"' in login_page


def test_unpublished_lesson_is_hidden_from_learners_but_not_staff(client, course):
    from sqlalchemy import select

    from course.models import Lesson

    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "lesson-one"))
    lesson.is_published = False
    db.session.commit()
    learner = make_user()
    make_enrollment(learner, course)
    login(client, learner)
    assert client.get(LESSON).status_code == 404
    video = client.get(LESSON + "/video")
    assert video.status_code == 404
    post(client, "/account/logout")
    login(client, make_user("instructor"))
    assert client.get(LESSON).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_enroll_post(client, course, role):
    visitor(client, role, course)
    response = post(client, "/courses/test-course/enroll")
    assert response.status_code == 302
    if role == "anonymous":  # a POST-only address is no place to return to after login
        assert response.headers["Location"] == "/account/login"
    else:
        assert response.headers["Location"] == "/courses/test-course"


CSRF_POSTS = [
    (
        "/account/signup",
        {
            "full_name": "A B",
            "email": "ab@example.com",
            "password": "lunch duty on tuesdays",
            "confirm": "lunch duty on tuesdays",
        },
    ),
    ("/account/login", {"email": "x@example.com", "password": "whatever it is"}),
    ("/account/reset", {"email": "x@example.com"}),
    ("/account/profile", {"full_name": "Changed"}),
    ("/account/password", {"current_password": "x", "new_password": "y", "confirm": "y"}),
    ("/account/logout", {}),
    ("/courses/test-course/enroll", {}),
]


@pytest.mark.parametrize(("path", "data"), CSRF_POSTS)
def test_every_post_without_csrf_token_is_refused(client, course, path, data):
    user = make_user()
    if path not in ("/account/signup", "/account/login", "/account/reset"):
        login(client, user)
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    response = client.post(path, data={**data, "csrf_token": "forged"})
    assert response.status_code == 400


def test_csrf_refusal_changes_nothing(client, course):
    from campus.enrollment.queries import find_enrollment

    user = make_user()
    login(client, user)
    client.post("/courses/test-course/enroll", data={})
    assert find_enrollment(user.id, course.id) is None


def test_enrollment_keeps_date_and_status_and_is_idempotent(client, course):
    from campus.enrollment.queries import find_enrollment

    user = make_user()
    login(client, user)
    post(client, "/courses/test-course/enroll")
    first = find_enrollment(user.id, course.id)
    assert first.status == "active" and first.enrolled_at is not None
    post(client, "/courses/test-course/enroll")
    db.session.expire_all()
    again = find_enrollment(user.id, course.id)
    assert (again.id, again.enrolled_at) == (first.id, first.enrolled_at)


def test_closed_course_refuses_enrollment(client, course):
    from campus.enrollment.queries import find_enrollment

    course.is_open = False
    db.session.commit()
    user = make_user()
    login(client, user)
    response = post(client, "/courses/test-course/enroll", follow_redirects=True)
    assert "not open for enrollment" in response.get_data(as_text=True)
    assert find_enrollment(user.id, course.id) is None


# The business pages (issue 12). Instructors enroll and withdraw learners (they already
# see the learner list); admins alone create and revoke enrollment codes and read the
# audit log. Anonymous visitors are sent to log in; everyone else refused gets 403.
BUSINESS_GETS = {
    "/courses/test-course/codes": (302, 403, 403, 403, 200),
    "/admin/audit/": (302, 403, 403, 403, 200),
    "/admin/audit/audit.csv": (302, 403, 403, 403, 200),
    "/courses/test-course/learners": (302, 403, 403, 200, 200),
    "/courses/test-course/leave": (302, 302, 200, 302, 302),
}


@pytest.mark.parametrize("role", ROLES)
def test_business_pages_by_role(client, course, role):
    visitor(client, role, course)
    for path, expected in BUSINESS_GETS.items():
        status = client.get(path).status_code
        assert status == expected[ROLES.index(role)], f"{role} GET {path}: {status}"


def business_posts(course) -> dict:
    """Each new POST route -> expected status per role; the target learner is enrolled."""
    from campus.enrollment.services import create_code

    learner = make_user()
    make_enrollment(learner, course)
    code = create_code(make_user("admin"), course.id, max_uses=5)
    db.session.commit()
    return {
        "/courses/test-course/learners/enroll": (
            {"email": learner.email},
            (302, 403, 403, 302, 302),
        ),
        f"/courses/test-course/learners/{learner.id}/withdraw": ({}, (302, 403, 403, 302, 302)),
        "/courses/test-course/codes": ({"max_uses": "1"}, (302, 403, 403, 403, 302)),
        f"/courses/test-course/codes/{code.id}/revoke": ({}, (302, 403, 403, 403, 302)),
        "/courses/test-course/redeem": ({"code": code.code}, (302, 302, 302, 302, 302)),
        "/courses/test-course/leave": ({}, (302, 302, 302, 302, 302)),
    }


@pytest.mark.parametrize("role", ROLES)
def test_business_posts_by_role(client, course, role):
    routes = business_posts(course)
    visitor(client, role, course)
    for path, (data, expected) in routes.items():
        response = post(client, path, data)
        assert response.status_code == expected[ROLES.index(role)], f"{role} POST {path}"
        if role == "anonymous":  # no Referer: back to the default page after login, not a POST
            assert response.headers["Location"] == "/account/login"


@pytest.mark.parametrize(
    "path",
    [
        "/courses/test-course/learners/enroll",
        "/courses/test-course/codes",
        "/courses/test-course/redeem",
        "/courses/test-course/leave",
    ],
)
def test_business_posts_need_a_csrf_token(client, course, path):
    login(client, make_user("admin"))
    response = client.post(path, data={"email": "x@example.com", "max_uses": "1", "code": "x"})
    assert response.status_code == 400
