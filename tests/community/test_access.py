"""Every forum route across roles and courses, CSRF on every POST, constant query counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campus.accounts.models import Role
from campus.extensions import db
from community.models import Post
from community.services import seed_categories
from course.importer.read_forum import default_categories
from course.models import Course
from tests.factories import add_replies, learner_in, make_enrollment, make_thread, make_user
from tests.helpers import client_for, count_queries, post

WRITES = ("INSERT", "UPDATE", "DELETE")
ROLES = ("anonymous", "outsider", "learner", "other_course_learner", "instructor", "admin")
MEMBER, STAFF, AUTHOR = "member", "staff", "author"


@pytest.fixture
def world(app, course):
    other = Course(slug="other-course", title="Other Course", summary="B")
    db.session.add(other)
    db.session.flush()
    seed_categories(other, default_categories([]))
    db.session.commit()
    author = learner_in(course)
    users = {
        "outsider": make_user(),
        "learner": learner_in(course),
        "other_course_learner": make_user(),
        "instructor": make_user(Role.INSTRUCTOR),
        "admin": make_user(Role.ADMIN),
    }
    make_enrollment(users["other_course_learner"], other)
    thread = make_thread(course, author, is_question=True)
    add_replies(thread, [author], 1)
    reply = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 2))
    return {"thread": thread.id, "post": reply.id, "author": author, "users": users}


def routes(w):
    base, t, p = "/courses/test-course/forum", w["thread"], w["post"]
    u = w["users"]["learner"].id
    return [
        ("GET", f"{base}/", None, MEMBER),
        ("GET", f"{base}/new", None, MEMBER),
        ("GET", f"{base}/t/{t}", None, MEMBER),
        ("GET", f"{base}/search?q=push", None, MEMBER),
        ("GET", f"{base}/p/{p}/edit", None, AUTHOR),
        ("GET", f"{base}/p/{p}/history", None, STAFF),
        ("GET", f"{base}/moderation", None, STAFF),
        ("POST", f"{base}/new", {"category": "problem-solving", "title": "T", "body": "B"}, MEMBER),
        ("POST", f"{base}/t/{t}/reply", {"body": "hello"}, MEMBER),
        ("POST", f"{base}/t/{t}/follow", {}, MEMBER),
        ("POST", f"{base}/p/{p}/report", {"reason": "spam"}, MEMBER),
        ("POST", f"{base}/t/{t}/accept/{p}", {}, AUTHOR),
        ("POST", f"{base}/t/{t}/summary", {"summary": "x"}, AUTHOR),
        ("POST", f"{base}/p/{p}/edit", {"body": "changed"}, AUTHOR),
        ("POST", f"{base}/t/{t}/moderate", {"action": "pin"}, STAFF),
        ("POST", f"{base}/t/{t}/move", {"category": "introductions"}, STAFF),
        ("POST", f"{base}/p/{p}/moderate", {"action": "hide"}, STAFF),
        ("POST", f"{base}/members/{u}/suspend", {"action": "suspend"}, STAFF),
        ("POST", f"{base}/preview", "json", MEMBER),
    ]


def _expected(role: str, need: str) -> set[int]:
    if role == "anonymous":
        return {302, 401}
    if role in ("outsider", "other_course_learner"):
        return {403}
    if role == "learner":
        return {403} if need in (STAFF, AUTHOR) else {200, 302}
    return {200, 302}


def _call(client, method, url, data):
    if method == "GET":
        return client.get(url)
    if data == "json":
        from tests.helpers import post_json

        return post_json(client, url, {"source": "**hi**"})
    return post(client, url, data)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, role):
    client = app.test_client() if role == "anonymous" else client_for(app, world["users"][role])
    app.config["FORUM_POSTS_PER_WINDOW"] = 1000
    try:
        for method, url, data, need in routes(world):
            response = _call(client, method, url, data)
            assert response.status_code in _expected(role, need), (
                role,
                method,
                url,
                response.status_code,
            )
            if role == "anonymous" and response.status_code == 302:
                assert "/account/login" in response.headers["Location"]
    finally:
        app.config["FORUM_POSTS_PER_WINDOW"] = 5


def test_author_routes_open_to_the_author(app, world):
    client = client_for(app, world["author"])
    base = "/courses/test-course/forum"
    assert client.get(f"{base}/p/{world['post']}/edit").status_code == 200
    assert post(client, f"{base}/t/{world['thread']}/accept/{world['post']}").status_code == 302


def test_other_course_forum_is_closed_to_this_course_learners(app, world):
    client = client_for(app, world["users"]["learner"])
    assert client.get("/courses/other-course/forum/").status_code == 403
    client = client_for(app, world["users"]["other_course_learner"])
    assert client.get("/courses/other-course/forum/").status_code == 200
    assert client.get(f"/courses/other-course/forum/t/{world['thread']}").status_code == 404


def test_every_post_needs_csrf(app, world):
    client = client_for(app, world["users"]["admin"])
    for method, url, data, _ in routes(world):
        if method == "POST":
            body = {"source": "x"} if data == "json" else data
            response = (
                client.post(url, json=body) if data == "json" else client.post(url, data=body)
            )
            assert response.status_code == 400, url


def _thread_queries(client, url) -> tuple[int, int]:
    """Queries of a first view (new posts on it) and of a repeat view; neither writes."""
    with count_queries() as first:
        assert client.get(url).status_code == 200
    with count_queries() as repeat:
        assert client.get(url).status_code == 200
    writes = [s for s in first + repeat if s.lstrip().upper().startswith(WRITES)]
    assert writes == [], writes
    return len(first), len(repeat)


def test_thread_page_query_count_is_constant(app, course, monkeypatch):
    learner = learner_in(course)
    others = [learner_in(course) for _ in range(5)] + [make_user(Role.INSTRUCTOR)]
    small, large = make_thread(course, learner), make_thread(course, learner, title="Big")
    add_replies(small, others, 10)
    add_replies(large, others, 300)
    monkeypatch.setitem(app.config, "FORUM_POSTS_PER_PAGE", 400)
    client = client_for(app, learner)
    few = _thread_queries(client, f"/courses/test-course/forum/t/{small.id}")
    many = _thread_queries(client, f"/courses/test-course/forum/t/{large.id}")
    assert few == many
    first, repeat = many
    assert first == repeat  # a GET writes nothing, new posts or not
    assert repeat <= 10


def test_index_query_count_is_constant(app, course):
    learner = learner_in(course)
    client = client_for(app, learner)
    make_thread(course, learner)
    with count_queries() as few:
        client.get("/courses/test-course/forum/")
    for i in range(20):
        make_thread(course, learner_in(course), title=f"Thread {i}")
    with count_queries() as many:
        client.get("/courses/test-course/forum/")
    assert len(few) == len(many)
