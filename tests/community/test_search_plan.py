"""Forum search gives the plain answer (every match in scope, newest first, the first LIMIT)
whichever step finds it: on PostgreSQL the newest posts first, the GIN index when they hold
too few matches. The window is shrunk to WINDOW posts so a small forum has both regimes;
the expected answer is worked out in Python from search_text, so a stored vector that fell
behind an edit would show. SQLite (FTS5, one step) must give the same answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campus.accounts.models import Role
from campus.extensions import db
from community import queries, services
from community.models import Post, Thread
from community.moderation.services import set_post_hidden, set_thread_flag
from community.queries import LIMIT, search_posts
from tests.factories import category, learner_in, make_thread, make_user
from tests.helpers import client_for, count_queries

WINDOW = 100
POSTS = 400


@pytest.fixture(autouse=True)
def small_window(monkeypatch):
    """Search statements are built once per shape: rebuild them around the smaller window."""
    monkeypatch.setattr(queries, "RECENT_WINDOW", WINDOW)
    queries._search_statement.cache_clear()
    yield
    queries._search_statement.cache_clear()


def _words(index: int) -> str:
    """'common' in 2 posts of 3, 'middling' in 1 of 5, 'scarce' in 8 of the oldest."""
    words = ["common"] if index % 3 else []
    if index % 5 == 0:
        words.append("middling")
    if index < 24 and index % 3 == 0:
        words.append("scarce")
    return " ".join(words)


def _forum(course):
    """POSTS replies spread over four threads (a solved question, an unsolved one in
    another category, a discussion, a hidden thread), every seventh reply hidden."""
    author = learner_in(course)
    solved = make_thread(course, author, title="Solved", is_question=True, body="opening")
    unsolved = make_thread(
        course, author, title="Open", slug="introductions", is_question=True, body="opening"
    )
    discussion = make_thread(course, author, title="Talk", body="opening")
    hidden = make_thread(course, author, title="Gone", body="opening")
    threads = [solved, unsolved, discussion, hidden]
    for index in range(POSTS):
        thread = threads[index % len(threads)]
        thread.post_count += 1
        body = f"reply {index} {_words(index)}"
        db.session.add(
            Post(
                thread_id=thread.id,
                author_id=author.id,
                number=thread.post_count,
                body_source=body,
                body_html=services.render(body),
                search_text=body,
                is_hidden=index % 7 == 0,
            )
        )
    db.session.flush()
    solved.accepted_post_id = db.session.scalar(
        select(Post.id).where(Post.thread_id == solved.id, Post.number == 2)
    )
    hidden.is_hidden = True
    db.session.commit()
    return author, threads


def _expected(course_id, viewer, word, *, category_id=None, solved=None, newest=None):
    """The plain answer, from Python: ids of posts in scope whose text has the word."""
    rows = db.session.execute(
        select(Post.id, Post.search_text, Post.is_hidden, Thread)
        .join(Thread, Thread.id == Post.thread_id)
        .order_by(Post.id.desc())
        .limit(newest)
    ).all()
    sees_hidden = viewer.is_staff
    ids = [
        post_id
        for post_id, text, post_hidden, thread in rows
        if word in text.lower().split()
        and thread.course_id == course_id
        and (sees_hidden or not (post_hidden or thread.is_hidden))
        and (category_id is None or thread.category_id == category_id)
        and (solved != "solved" or thread.accepted_post_id is not None)
        and (solved != "unsolved" or (thread.is_question and thread.accepted_post_id is None))
    ]
    return ids[:LIMIT]


def _found(course_id, viewer, word, **filters):
    return [r.post.id for r in search_posts(course_id, viewer, word, **filters)]


def _in_window(course_id, viewer, word, **filters) -> int:
    """Matches in scope among the WINDOW newest posts: LIMIT or more, and the first step
    answers alone."""
    return len(_expected(course_id, viewer, word, newest=WINDOW, **filters))


def test_a_frequent_word_is_answered_from_the_newest_posts(app, course):
    learner = learner_in(course)
    _forum(course)
    assert _in_window(course.id, learner, "common") >= LIMIT
    expected = _expected(course.id, learner, "common")
    assert len(expected) == LIMIT
    assert _found(course.id, learner, "common") == expected


@pytest.mark.parametrize("word", ["scarce", "middling"])
def test_rarer_words_fall_back_to_every_match(app, course, word):
    """'scarce' is only in old posts; 'middling' has more matches than a page, but too few
    of them among the newest posts."""
    learner = learner_in(course)
    _forum(course)
    assert _in_window(course.id, learner, word) < LIMIT
    expected = _expected(course.id, learner, word)
    assert expected and _found(course.id, learner, word) == expected
    if word == "middling":
        assert len(expected) == LIMIT  # cut to a page, newest first


def test_staff_see_hidden_posts_and_threads_in_both_steps(app, course):
    learner, staff = learner_in(course), make_user(Role.INSTRUCTOR)
    _forum(course)
    for word in ("common", "scarce", "middling"):
        learner_ids = _found(course.id, learner, word)
        staff_ids = _found(course.id, staff, word)
        assert staff_ids == _expected(course.id, staff, word)
        assert learner_ids == _expected(course.id, learner, word)
        assert set(staff_ids) - set(learner_ids)  # hidden matches exist in every regime


@pytest.mark.parametrize("solved", ["solved", "unsolved"])
def test_solved_filters_in_both_steps(app, course, solved):
    learner = learner_in(course)
    _forum(course)
    for word in ("common", "middling", "scarce"):
        expected = _expected(course.id, learner, word, solved=solved)
        assert expected and _found(course.id, learner, word, solved=solved) == expected


def test_category_filter_falls_back_when_the_newest_posts_are_elsewhere(app, course):
    learner = learner_in(course)
    _forum(course)
    other = category(course, "introductions").id
    assert _in_window(course.id, learner, "common", category_id=other) < LIMIT
    for word in ("common", "middling", "scarce"):
        expected = _expected(course.id, learner, word, category_id=other)
        assert expected and _found(course.id, learner, word, category_id=other) == expected


def test_other_courses_posts_never_show(app, course):
    from tests.factories import import_ce_course

    learner = learner_in(course)
    _forum(course)
    other = import_ce_course()
    stranger = learner_in(other)
    thread = make_thread(other, stranger, title="Elsewhere", body="common scarce middling")
    for word in ("common", "scarce"):
        assert _found(other.id, stranger, word) == _expected(other.id, stranger, word)
        assert thread.id not in {r.thread.id for r in search_posts(course.id, learner, word)}


def test_edits_and_moderation_change_what_matches(app, course):
    learner, staff = learner_in(course), make_user(Role.INSTRUCTOR)
    author, threads = _forum(course)
    newest = db.session.scalar(
        select(Post).where(Post.search_text.contains("common")).order_by(Post.id.desc())
    )
    oldest = db.session.scalar(select(Post).where(Post.number == 1).order_by(Post.id))
    services.edit_post(author, db.session.get(Thread, newest.thread_id), newest, "now plain")
    services.edit_post(
        author, threads[0], oldest, "opening, scarce after all", title="Solved common"
    )
    set_post_hidden(
        staff,
        db.session.scalars(
            select(Post).where(Post.search_text.contains("scarce")).order_by(Post.id.desc())
        ).first(),
        True,
    )
    set_thread_flag(staff, threads[3], "unhide")
    db.session.commit()
    for word in ("common", "scarce", "middling"):
        assert _found(course.id, learner, word) == _expected(course.id, learner, word)
    assert newest.id not in _found(course.id, learner, "common")
    assert oldest.id in _found(course.id, learner, "scarce")


def test_search_page_query_count_is_the_same_in_both_steps(app, course):
    """A page's queries do not depend on the forum's size or on which step answers."""
    client = client_for(app, learner_in(course))
    pages = [
        f"/courses/test-course/forum/search?q={query}"
        for query in (
            "common",
            "scarce",
            "middling&solved=unsolved",
            "common&category=introductions",
        )
    ]

    def counts() -> list[int]:
        result = []
        for page in pages:
            with count_queries() as statements:
                assert client.get(page).status_code == 200
            result.append(len(statements))
        return result

    before = counts()
    _forum(course)
    after = counts()
    assert after == before
    assert after[0] == after[1]  # the newest posts answer 'common', the index 'scarce'
