"""Reused post fragments (community/post_fragments.py) never outlive what they show: a hide,
an edit, a revoked role or a withdrawal takes effect on the very next request, and one
viewer's fragment never carries another viewer's controls or CSRF token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campus.accounts.models import Role, User
from campus.enrollment.services import withdraw
from campus.extensions import db
from community import post_fragments
from community.models import Post
from tests.factories import add_replies, learner_in, make_enrollment, make_thread, make_user
from tests.helpers import client_for, post

BASE = "/courses/test-course/forum"


@pytest.fixture
def forum(app, course):
    post_fragments.clear()
    author = learner_in(course, name="Robin Author")
    reader = learner_in(course, name="Sam Reader")
    thread = make_thread(course, author, title="Seating ideas")
    add_replies(thread, [author], 3, body="Try a wobble cushion")
    reply = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 2))
    return {
        "author": author,
        "reader": reader,
        "thread": thread.id,
        "reply": reply.id,
        "url": f"{BASE}/t/{thread.id}",
    }


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_hidden_post_is_hidden_from_learners_on_the_next_request(app, forum):
    reader = client_for(app, forum["reader"])
    assert page(reader, forum["url"]).count("Try a wobble cushion") == 3  # fragments cached
    moderator = client_for(app, make_user(Role.INSTRUCTOR))
    hidden = post(moderator, f"{BASE}/p/{forum['reply']}/moderate", {"action": "hide"})
    assert hidden.status_code == 302
    html = page(reader, forum["url"])
    assert html.count("Try a wobble cushion") == 2
    assert "This post is hidden while a moderator reviews it." in html


def test_an_edit_shows_on_the_next_request(app, forum):
    reader = client_for(app, forum["reader"])
    page(reader, forum["url"])
    reply = db.session.get(Post, forum["reply"])
    edited = post(
        client_for(app, forum["author"]),
        f"{BASE}/p/{reply.id}/edit",
        {"body": "Try a wedge cushion instead"},
    )
    assert edited.status_code == 302
    html = page(reader, forum["url"])
    assert "Try a wedge cushion instead" in html and html.count("Try a wobble cushion") == 2


def test_a_revoked_moderator_loses_the_controls_on_the_next_request(app, course, forum):
    instructor = make_user(Role.INSTRUCTOR)
    make_enrollment(instructor, course)  # so that, demoted, they may still read the forum
    client = client_for(app, instructor)
    assert 'value="hide"' in page(client, forum["url"])
    # Demoted in the database without ending the session (set_role also ends sessions):
    # only the per-request flags stand between a cached fragment and a stale control.
    db.session.get(User, instructor.id).role = Role.LEARNER.value
    db.session.commit()
    html = page(client, forum["url"])
    assert 'value="hide"' not in html and "Suspend author" not in html
    assert "Report" in html  # a learner's control for others' posts


def test_a_withdrawn_learner_is_refused_on_the_next_request(app, course, forum):
    reader = client_for(app, forum["reader"])
    page(reader, forum["url"])
    withdraw(None, db.session.get(User, forum["reader"].id), course.id)
    db.session.commit()
    assert reader.get(forum["url"]).status_code == 403


def test_viewers_sharing_fragments_each_get_their_own_token_and_controls(app, course, forum):
    first = client_for(app, forum["reader"])
    second = client_for(app, learner_in(course))
    author = client_for(app, forum["author"])
    tokens = []
    for client in (first, second):
        html = page(client, forum["url"])
        found = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
        assert len(found) == 1, found  # every form on the page carries this session's token
        tokens.append(found.pop())
    assert tokens[0] != tokens[1]
    assert "\x00" not in page(first, forum["url"])  # no placeholder leaks
    own = page(author, forum["url"])
    assert own.count(">Edit</a>") == 4 and "Send report" not in own
    assert page(first, forum["url"]).count(">Edit</a>") == 0


def test_a_renamed_author_shows_under_the_new_name(app, forum):
    reader = client_for(app, forum["reader"])
    assert "Robin Author" in page(reader, forum["url"])
    db.session.get(User, forum["author"].id).full_name = "Robin Renamed"
    db.session.commit()
    html = page(reader, forum["url"])
    assert "Robin Renamed" in html and "Robin Author" not in html
