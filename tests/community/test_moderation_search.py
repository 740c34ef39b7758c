"""Reports and auto-hide, queue, thread flags, suspension, rate limits, edit history,
lesson moments and full-text search (SQLite FTS5 or PostgreSQL, whichever is under test)."""

from __future__ import annotations

import re

from sqlalchemy import select

from campus.accounts.models import Role
from campus.extensions import db
from community.models import Post, PostRevision, Thread
from community.queries import search_posts
from course.models import Lesson
from tests.factories import add_replies, import_ce_course, learner_in, make_thread, make_user
from tests.helpers import client_for, post

BASE = "/courses/test-course/forum"


def test_three_reports_hide_a_post_until_reviewed(app, course):
    reporters = [learner_in(course) for _ in range(3)]  # in the course before the post
    author = learner_in(course)
    thread = make_thread(course, author)
    add_replies(thread, [author], 1, body="rude reply")
    reply = db.session.scalar(select(Post).where(Post.number == 2))
    for index, reporter in enumerate(reporters):
        client = client_for(app, reporter)
        post(client, f"{BASE}/p/{reply.id}/report", {"reason": "rude"})
        db.session.refresh(reply)
        assert reply.is_hidden == (index == 2)
    again = post(client, f"{BASE}/p/{reply.id}/report", {"reason": "rude"}, follow_redirects=True)
    assert "already reported" in again.get_data(as_text=True)
    html = client.get(f"{BASE}/t/{thread.id}").get_data(as_text=True)
    assert "rude reply" not in html and "hidden while a moderator" in html
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    queue = staff.get(f"{BASE}/moderation").get_data(as_text=True)
    assert "rude reply" in queue and "3 reports" in queue
    post(staff, f"{BASE}/p/{reply.id}/moderate", {"action": "restore", "from": "queue"})
    db.session.refresh(reply)
    assert not reply.is_hidden and reply.open_report_count == 0


def _report_three_times(app, course, post_row, reporters) -> None:
    for reporter in reporters:
        post(client_for(app, reporter), f"{BASE}/p/{post_row.id}/report", {"reason": "bury it"})
    db.session.refresh(post_row)


def test_accounts_made_after_a_post_cannot_hide_it_but_reach_the_queue(app, course):
    thread = make_thread(course, learner_in(course), body="an unpopular opinion")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    _report_three_times(app, course, first, [learner_in(course) for _ in range(3)])
    assert not first.is_hidden and first.open_report_count == 3
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    queue = staff.get(f"{BASE}/moderation").get_data(as_text=True)
    assert "3 reports" in queue
    assert "Dismiss the reports" in queue and "Keep it hidden" not in queue  # it is not hidden


def test_an_instructors_post_is_never_hidden_by_reports(app, course):
    reporters = [learner_in(course) for _ in range(3)]
    thread = make_thread(course, make_user(Role.INSTRUCTOR), body="Office hours moved")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    _report_three_times(app, course, first, reporters)
    assert not first.is_hidden and first.open_report_count == 3


def test_pin_lock_hide_move(app, course):
    author = learner_in(course)
    thread = make_thread(course, author)
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    for action in ("pin", "lock", "hide"):
        post(staff, f"{BASE}/t/{thread.id}/moderate", {"action": action})
    post(staff, f"{BASE}/t/{thread.id}/move", {"category": "introductions"})
    db.session.refresh(thread)
    assert thread.is_pinned and thread.is_locked and thread.is_hidden
    learner = client_for(app, author)
    assert learner.get(f"{BASE}/t/{thread.id}").status_code == 404
    post(staff, f"{BASE}/t/{thread.id}/moderate", {"action": "unhide"})
    response = post(learner, f"{BASE}/t/{thread.id}/reply", {"body": "can I?"})
    assert response.status_code == 403 and "locked" in response.get_data(as_text=True)


def test_suspended_member_cannot_post(app, course):
    learner = learner_in(course)
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    post(staff, f"{BASE}/members/{learner.id}/suspend", {"action": "suspend", "reason": "spam"})
    client = client_for(app, learner)
    response = post(
        client, f"{BASE}/new", {"category": "introductions", "title": "Hi", "body": "x"}
    )
    assert response.status_code == 403
    assert "suspended" in response.get_data(as_text=True) and "Reason: spam" in response.get_data(
        as_text=True
    )


def test_suspended_member_cannot_edit_what_they_posted(app, course):
    learner = learner_in(course)
    thread = make_thread(course, learner, body="a fair question")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    post(staff, f"{BASE}/members/{learner.id}/suspend", {"action": "suspend", "reason": "abuse"})
    response = post(
        client_for(app, learner), f"{BASE}/p/{first.id}/edit", {"title": "ABUSE", "body": "ABUSE"}
    )
    assert response.status_code == 403 and "suspended" in response.get_data(as_text=True)
    db.session.refresh(first)
    db.session.refresh(thread)
    assert (first.body_source, thread.title) == ("a fair question", "How do I push in?")
    assert db.session.scalar(select(PostRevision.id)) is None


def test_edits_are_rate_limited_and_keep_the_text(app, course):
    learner = learner_in(course)
    thread = make_thread(course, learner, body="version 0")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    client = client_for(app, learner)
    for n in range(1, 11):
        assert (
            post(client, f"{BASE}/p/{first.id}/edit", {"body": f"version {n}"}).status_code == 302
        )
    response = post(client, f"{BASE}/p/{first.id}/edit", {"body": "my eleventh wording"})
    assert response.status_code == 429
    assert "my eleventh wording" in response.get_data(as_text=True)
    db.session.refresh(first)
    assert first.body_source == "version 10"


def test_rate_limit_keeps_the_text(app, course):
    learner = learner_in(course)
    thread = make_thread(course, learner_in(course))
    client = client_for(app, learner)
    for n in range(5):
        assert (
            post(client, f"{BASE}/t/{thread.id}/reply", {"body": f"reply {n}"}).status_code == 302
        )
    response = post(client, f"{BASE}/t/{thread.id}/reply", {"body": "my careful sixth reply"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Please wait a minute" in html and "my careful sixth reply" in html


def test_edit_keeps_history_for_moderators(app, course):
    author = learner_in(course)
    thread = make_thread(course, author, body="first version")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    client = client_for(app, author)
    post(client, f"{BASE}/p/{first.id}/edit", {"title": "Better title", "body": "second version"})
    db.session.refresh(first)
    assert first.body_source == "second version" and first.edited_at is not None
    revision = db.session.scalar(select(PostRevision))
    assert revision.previous_source == "first version" and revision.editor_id == author.id
    assert "edited" in client.get(f"{BASE}/t/{thread.id}").get_data(as_text=True)
    assert client.get(f"{BASE}/p/{first.id}/history").status_code == 403
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    assert "first version" in staff.get(f"{BASE}/p/{first.id}/history").get_data(as_text=True)
    other = client_for(app, learner_in(course))
    assert post(other, f"{BASE}/p/{first.id}/edit", {"body": "vandal"}).status_code == 403


def test_quote_prefills_reply(app, course):
    author = learner_in(course, name="Quoted Person")
    thread = make_thread(course, author, body="quote me")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    client = client_for(app, learner_in(course))
    html = client.get(f"{BASE}/t/{thread.id}?quote={first.id}").get_data(as_text=True)
    assert "&gt; quote me" in html and "— Quoted Person" in html


def test_quote_takes_only_a_visible_post_of_the_same_thread(app, course):
    """?quote=<post id> quotes a post of the thread on screen: another thread's post (of
    this course or another) is 404, and a hidden post is not quoted for a learner."""
    author = learner_in(course, name="Quoted Person")
    thread = make_thread(course, author, body="quote me")
    elsewhere = make_thread(course, author, title="Another thread", body="not from here")
    other_course = import_ce_course()
    instructor = make_user(Role.INSTRUCTOR)
    foreign = make_thread(other_course, instructor, title="Other course", body="foreign text")
    hidden = make_thread(course, author, title="Has a hidden reply", body="visible")
    add_replies(hidden, [author], 1, body="hidden words")
    first, other, foreign_post, hidden_post = (
        db.session.scalar(select(Post).where(Post.thread_id == t.id).order_by(Post.number.desc()))
        for t in (thread, elsewhere, foreign, hidden)
    )
    hidden_post.is_hidden = True
    db.session.commit()
    learner = client_for(app, learner_in(course))

    page = learner.get(f"{BASE}/t/{thread.id}?quote={first.id}")
    assert page.status_code == 200 and "&gt; quote me" in page.get_data(as_text=True)
    assert learner.get(f"{BASE}/t/{thread.id}?quote={other.id}").status_code == 404
    assert learner.get(f"{BASE}/t/{thread.id}?quote={foreign_post.id}").status_code == 404
    page = learner.get(f"{BASE}/t/{hidden.id}?quote={hidden_post.id}")
    assert page.status_code == 200 and "hidden words" not in page.get_data(as_text=True)
    staff = client_for(app, instructor).get(f"{BASE}/t/{hidden.id}?quote={hidden_post.id}")
    assert "&gt; hidden words" in staff.get_data(as_text=True)  # moderators see hidden posts


def test_lesson_moment_thread_and_lesson_listing(app, course):
    learner = learner_in(course)
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "lesson-two"))
    client = client_for(app, learner)
    form = client.get(f"{BASE}/new?lesson=lesson-two&t=5&category=problem-solving")
    html = form.get_data(as_text=True)
    assert "Lesson two at 0:05" in html
    assert re.search(
        r'<input[^>]*checked[^>]*name="is_question"|<input[^>]*name="is_question"[^>]*checked', html
    )
    response = post(
        client,
        f"{BASE}/new",
        {
            "category": "problem-solving",
            "title": "At five",
            "body": "what happens here?",
            "lesson": "lesson-two",
            "second": "5",
        },
    )
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread))
    assert thread.lesson_id == lesson.id and thread.lesson_second == 5
    page = client.get(f"{BASE}/t/{thread.id}").get_data(as_text=True)
    assert "/courses/test-course/lessons/lesson-two?t=5" in page
    lesson_page = client.get("/courses/test-course/lessons/lesson-two").get_data(as_text=True)
    assert 'data-seek-to="5"' in lesson_page and "At five" in lesson_page


def test_search_titles_and_posts_with_filters(app, course):
    learner = learner_in(course)
    solved = make_thread(
        course,
        learner,
        title="Handwriting grips",
        is_question=True,
        body="Which pencil grips work?",
    )
    add_replies(solved, [learner], 1, body="Triangular grips worked for my students")
    solved.accepted_post_id = db.session.scalar(
        select(Post.id).where(Post.number == 2, Post.thread_id == solved.id)
    )
    db.session.commit()
    make_thread(
        course,
        learner,
        title="Recess supervision",
        slug="introductions",
        body="Swings and handwriting",
        is_question=True,
    )
    titles = {r.thread.title for r in search_posts(course.id, learner, "handwriting")}
    assert titles == {"Handwriting grips", "Recess supervision"}
    assert {r.post.number for r in search_posts(course.id, learner, "triangular")} == {2}
    only_solved = search_posts(course.id, learner, "handwriting", solved="solved")
    assert {r.thread.title for r in only_solved} == {"Handwriting grips"}
    unsolved = search_posts(course.id, learner, "handwriting", solved="unsolved")
    assert {r.thread.title for r in unsolved} == {"Recess supervision"}
    intro = db.session.scalar(
        select(Thread.category_id).where(Thread.title == "Recess supervision")
    )
    assert {
        r.thread.title for r in search_posts(course.id, learner, "handwriting", category_id=intro)
    } == {"Recess supervision"}
    assert search_posts(course.id, learner, '"unbalanced AND ( NEAR') == []
    client = client_for(app, learner)
    html = client.get(f"{BASE}/search?q=grips").get_data(as_text=True)
    assert "Handwriting grips" in html


def test_search_follows_edits_and_hides(app, course):
    learner = learner_in(course)
    thread = make_thread(course, learner, title="Original", body="zebra stripes")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    from community import services

    services.edit_post(learner, thread, first, "giraffe spots")
    db.session.commit()
    assert search_posts(course.id, learner, "zebra") == []
    assert len(search_posts(course.id, learner, "giraffe")) == 1
    first.is_hidden = True
    db.session.commit()
    assert search_posts(course.id, learner, "giraffe") == []
    assert len(search_posts(course.id, make_user(Role.INSTRUCTOR), "giraffe")) == 1


def test_search_results_show_text_not_markdown(app, course):
    learner = learner_in(course)
    make_thread(course, learner, title="Plans", body="A **504 plan** differs from an IEP")
    html = client_for(app, learner).get(f"{BASE}/search?q=differs").get_data(as_text=True)
    assert "A 504 plan differs from an IEP" in html and "**504" not in html


def test_learners_are_told_who_starts_announcements(app, course):
    html = (
        client_for(app, learner_in(course))
        .get(f"{BASE}/?category=announcements")
        .get_data(as_text=True)
    )
    assert "Only instructors start threads here" in html
