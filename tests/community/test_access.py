"""Every forum route across roles and courses, CSRF on every POST, constant query counts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campus.accounts.models import Role
from campus.extensions import db
from community.models import Post, Thread
from community.services import seed_categories
from course.importer.read_forum import default_categories
from course.models import Course
from tests.factories import add_replies, learner_in, make_enrollment, make_thread, make_user
from tests.helpers import client_for, count_queries, login_url_after, post, post_json

WRITES = ("INSERT", "UPDATE", "DELETE")
ROLES = ("anonymous", "outsider", "learner", "other_course_learner", "instructor", "admin")
MEMBER, STAFF, AUTHOR = "member", "staff", "author"
REPORTER = "reporter"  # members who are not moderators
NEW_THREAD = object()  # the thread the POST created


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
    """(method, url, data, who may, where an allowed POST lands; None for a 200)."""
    base, t, p = "/courses/test-course/forum", w["thread"], w["post"]
    u = w["users"]["learner"].id
    thread = f"{base}/t/{t}"
    return [
        ("GET", f"{base}/", None, MEMBER, None),
        ("GET", f"{base}/new", None, MEMBER, None),
        ("GET", thread, None, MEMBER, None),
        ("GET", f"{base}/search?q=push", None, MEMBER, None),
        ("GET", f"{base}/p/{p}/edit", None, AUTHOR, None),
        ("GET", f"{base}/p/{p}/history", None, STAFF, None),
        ("GET", f"{base}/moderation", None, STAFF, None),
        (
            "POST",
            f"{base}/new",
            {"category": "problem-solving", "title": "T", "body": "B"},
            MEMBER,
            NEW_THREAD,
        ),
        ("POST", f"{thread}/reply", {"body": "hello"}, MEMBER, f"{thread}#post-3"),
        ("POST", f"{thread}/follow", {}, MEMBER, thread),
        ("POST", f"{base}/p/{p}/report", {"reason": "spam"}, REPORTER, thread),
        ("POST", f"{thread}/accept/{p}", {}, AUTHOR, thread),
        ("POST", f"{thread}/summary", {"summary": "x"}, AUTHOR, thread),
        ("POST", f"{base}/p/{p}/edit", {"body": "changed"}, AUTHOR, f"{thread}#post-2"),
        ("POST", f"{thread}/moderate", {"action": "pin"}, STAFF, thread),
        ("POST", f"{thread}/move", {"category": "introductions"}, STAFF, thread),
        ("POST", f"{base}/p/{p}/moderate", {"action": "hide"}, STAFF, thread),
        ("POST", f"{base}/members/{u}/suspend", {"action": "suspend"}, STAFF, f"{base}/"),
        ("POST", f"{base}/preview", "json", MEMBER, None),
    ]


def _allowed(role: str, need: str) -> bool:
    """The forum's rules for the world's users (none of them wrote the thread)."""
    if role in ("anonymous", "outsider", "other_course_learner"):
        return False
    staff = role in ("instructor", "admin")
    if need == REPORTER:  # moderators hide a post instead of reporting it
        return not staff
    return staff or need == MEMBER


def _call(client, method, url, data):
    if method == "GET":
        return client.get(url)
    if data == "json":
        return post_json(client, url, {"source": "**hi**"})
    return post(client, url, data)


def _newest_thread_url() -> str:
    newest = db.session.scalar(select(func.max(Thread.id)))
    return f"/courses/test-course/forum/t/{newest}"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, role, monkeypatch):
    """Exactly one answer per role and route: anonymous visitors are sent to log in (and
    back), members outside the course and members without the right get 403, and an
    allowed action lands where it should. A refused action never passes as "a redirect"."""
    client = app.test_client() if role == "anonymous" else client_for(app, world["users"][role])
    monkeypatch.setitem(app.config, "FORUM_POSTS_PER_WINDOW", 1000)
    for method, url, data, need, lands in routes(world):
        response = _call(client, method, url, data)
        where = (role, method, url, response.status_code, response.headers.get("Location"))
        if role == "anonymous":
            assert response.status_code == 302, where
            assert response.headers["Location"] == login_url_after(method, url), where
        elif not _allowed(role, need):
            assert response.status_code == 403, where
        elif lands is None:
            assert response.status_code == 200, where
        else:
            expected = _newest_thread_url() if lands is NEW_THREAD else lands
            assert response.status_code == 302, where
            assert response.headers["Location"] == expected, where


def test_a_hidden_thread_does_not_exist_for_members(app, world):
    """Hidden threads are deliberately 404 (not 403) for members, its author included:
    a 403 would confirm the thread exists. Moderators still open it."""
    thread = db.session.get(Thread, world["thread"])
    thread.is_hidden = True
    db.session.commit()
    base, t, p = "/courses/test-course/forum", world["thread"], world["post"]
    calls = [
        ("GET", f"{base}/t/{t}", None),
        ("GET", f"{base}/p/{p}/edit", None),
        ("POST", f"{base}/t/{t}/reply", {"body": "hello"}),
        ("POST", f"{base}/t/{t}/follow", {}),
        ("POST", f"{base}/p/{p}/report", {"reason": "spam"}),
        ("POST", f"{base}/t/{t}/read", {"number": "2"}),
    ]
    for user in (world["author"], world["users"]["learner"]):
        client = client_for(app, user)
        for method, url, data in calls:
            assert _call(client, method, url, data).status_code == 404, (user.email, url)
    staff = client_for(app, world["users"]["instructor"])
    assert staff.get(f"{base}/t/{t}").status_code == 200
    assert staff.get(f"{base}/p/{p}/history").status_code == 200


@pytest.mark.parametrize("role", ["outsider", "other_course_learner"])
def test_a_member_outside_the_course_navigating_to_its_forum_is_offered_enrollment(
    app, world, role
):
    """A browser navigation is redirected to the course page (its enroll offer), exactly
    there; the same address fetched by a script, or any POST, is a plain 403."""
    client = client_for(app, world["users"][role])
    html = {"Accept": "text/html,application/xhtml+xml"}
    thread = f"/courses/test-course/forum/t/{world['thread']}"
    for url in ("/courses/test-course/forum/", thread, "/courses/test-course/forum/search?q=x"):
        response = client.get(url, headers=html)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/courses/test-course", url
        assert client.get(url, headers={"Accept": "application/json"}).status_code == 403
    assert post(client, f"{thread}/reply", {"body": "hi"}, headers=html).status_code == 403


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
    for method, url, data, *_ in routes(world):
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
