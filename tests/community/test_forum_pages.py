"""Categories, threads, replies, pagination, filters, answers and summaries."""

from __future__ import annotations

from sqlalchemy import select

from campus.accounts.models import Role
from campus.extensions import db
from community.models import Category, Post, ReadMarker, Thread
from tests.factories import (
    add_replies,
    category,
    import_fixture_course,
    learner_in,
    make_thread,
    make_user,
)
from tests.helpers import client_for, login, post


def test_import_seeds_default_categories_idempotently(course):
    slugs = list(
        db.session.scalars(
            select(Category.slug).where(Category.course_id == course.id).order_by(Category.position)
        )
    )
    assert slugs == [
        "introductions",
        "problem-solving",
        "module-first-module",
        "module-second-module",
        "announcements",
    ]
    import_fixture_course()
    assert db.session.scalar(select(db.func.count(Category.id))) == 5
    assert category(course, "announcements").is_staff_only


def test_learner_starts_thread_and_replies(client, course):
    learner = learner_in(course)
    login(client, learner)
    response = post(
        client,
        "/courses/test-course/forum/new",
        {
            "category": "problem-solving",
            "title": "Sensory breaks in class",
            "body": "How do you run *sensory breaks*? <script>alert(1)</script>",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    thread = db.session.scalar(select(Thread))
    first = db.session.scalar(select(Post))
    assert "<em>sensory breaks</em>" in first.body_html
    assert "<script" not in first.body_html
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Sensory breaks in class" in page.get_data(as_text=True)
    reply = post(client, f"/courses/test-course/forum/t/{thread.id}/reply", {"body": "Me too"})
    assert reply.status_code == 302
    db.session.refresh(thread)
    assert thread.post_count == 2


def test_index_lists_latest_activity_first_and_filters(client, course):
    learner = learner_in(course)
    older = make_thread(course, learner, title="Older thread", is_question=True)
    newer = make_thread(course, learner, title="Newer thread")
    add_replies(older, [learner], 1)
    older.last_post_at = newer.last_post_at.replace(year=newer.last_post_at.year + 1)
    db.session.commit()
    login(client, learner)
    html = client.get("/courses/test-course/forum/").get_data(as_text=True)
    assert html.index("Older thread") < html.index("Newer thread")
    unanswered = client.get("/courses/test-course/forum/?filter=unanswered").get_data(as_text=True)
    assert "Newer thread" in unanswered and "Older thread" not in unanswered
    unsolved = client.get("/courses/test-course/forum/?filter=unsolved").get_data(as_text=True)
    assert "Older thread" in unsolved and "Newer thread" not in unsolved
    assert client.get("/courses/test-course/forum/?filter=bogus").status_code == 400


def test_thread_pagination(client, course, app):
    learner = learner_in(course)
    thread = make_thread(course, learner)
    add_replies(thread, [learner], 60, body="reply text")
    login(client, learner)
    page2 = client.get(f"/courses/test-course/forum/t/{thread.id}?page=2").get_data(as_text=True)
    assert 'id="post-26"' in page2 and 'id="post-50"' in page2 and 'id="post-51"' not in page2


def test_question_accept_and_summary(client, course, app):
    asker, helper = learner_in(course), learner_in(course)
    thread = make_thread(course, asker, is_question=True)
    add_replies(thread, [helper], 1, body="Try a visual timer")
    answer = db.session.scalar(select(Post).where(Post.number == 2))
    login(client, helper)
    assert (
        post(client, f"/courses/test-course/forum/t/{thread.id}/accept/{answer.id}").status_code
        == 403
    )
    client = client_for(app, asker)
    assert (
        post(client, f"/courses/test-course/forum/t/{thread.id}/accept/{answer.id}").status_code
        == 302
    )
    post(
        client,
        f"/courses/test-course/forum/t/{thread.id}/summary",
        {"summary": "A **visual timer**."},
    )
    db.session.refresh(thread)
    assert thread.accepted_post_id == answer.id
    html = client.get(f"/courses/test-course/forum/t/{thread.id}").get_data(as_text=True)
    assert "What worked" in html and "<strong>visual timer</strong>" in html
    solved = client.get("/courses/test-course/forum/?filter=solved").get_data(as_text=True)
    assert thread.title in solved


def test_staff_posts_carry_role_badge_and_only_staff_announce(client, course):
    instructor = make_user(Role.INSTRUCTOR)
    learner = learner_in(course)
    make_thread(course, instructor, title="Welcome", slug="announcements")
    login(client, learner)
    response = post(
        client,
        "/courses/test-course/forum/new",
        {"category": "announcements", "title": "Me too", "body": "hi"},
    )
    assert response.status_code in (400, 403)
    thread = db.session.scalar(select(Thread).where(Thread.title == "Welcome"))
    html = client.get(f"/courses/test-course/forum/t/{thread.id}").get_data(as_text=True)
    assert 'class="badge badge-instructor"' in html


def test_read_marker_advances_once(client, course):
    learner, other = learner_in(course), learner_in(course)
    thread = make_thread(course, other)
    add_replies(thread, [other], 3)
    login(client, learner)
    html = client.get("/courses/test-course/forum/").get_data(as_text=True)
    assert "New" in html
    page = client.get(f"/courses/test-course/forum/t/{thread.id}").get_data(as_text=True)
    assert db.session.get(ReadMarker, (learner.id, thread.id)) is None  # GET writes nothing
    assert 'data-number="4"' in page  # the page asks to mark posts 1-4 read
    answer = post(client, f"/courses/test-course/forum/t/{thread.id}/read", {"number": "4"})
    assert answer.get_json()["read"] == 4
    db.session.expire_all()
    marker = db.session.get(ReadMarker, (learner.id, thread.id))
    assert marker.last_read_number == 4
    add_replies(thread, [other], 2)
    html = client.get("/courses/test-course/forum/").get_data(as_text=True)
    assert "2 unread" in html


def test_control_characters_are_dropped_not_fatal(client, course, app):
    """PostgreSQL refuses NUL in text: a pasted NUL must not turn into a 500."""
    learner = learner_in(course)
    client = client_for(app, learner)
    response = post(
        client,
        "/courses/test-course/forum/new",
        {"category": "problem-solving", "title": "Nul\x00 title", "body": "body\x00 with\x07 nul"},
    )
    assert response.status_code == 302
    first = db.session.scalar(select(Post))
    assert first.body_source == "body with nul"
    assert client.get("/courses/test-course/forum/search?q=nul%00").status_code == 200
