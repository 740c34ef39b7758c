"""Read models for forum pages, each a fixed number of queries however many posts exist."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

from flask import current_app, url_for
from sqlalchemy import (
    String,
    and_,
    bindparam,
    func,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import aliased

from campus.accounts.models import STAFF_ROLES, User, staff_badge
from campus.extensions import db
from community import access
from community.models import Category, Follow, Post, ReadMarker, Thread, ThreadFacts
from course.models import Lesson

FILTERS = ("all", "unanswered", "questions", "solved", "unsolved")


@dataclass(frozen=True, slots=True)
class ListedThread(ThreadFacts):
    """What the forum index shows of a thread: plain values, no ORM identity."""

    id: int
    title: str
    is_question: bool
    accepted_post_id: int | None
    lesson_id: int | None
    lesson_second: int | None
    post_count: int
    is_pinned: bool
    is_locked: bool
    is_hidden: bool
    last_post_at: datetime


LISTED_THREAD_COLUMNS = tuple(getattr(Thread, name) for name in ListedThread.__dataclass_fields__)


@dataclass(slots=True)
class ThreadRow:
    thread: ListedThread
    author_name: str
    category_title: str
    last_read: int | None

    @property
    def unread(self) -> int:
        return self.thread.post_count - (self.last_read or 0)


def threads_per_page() -> int:
    return current_app.config["FORUM_THREADS_PER_PAGE"]


def posts_per_page() -> int:
    return current_app.config["FORUM_POSTS_PER_PAGE"]


def page_of(number: int) -> int:
    """The page of its thread that shows post ``number``: the one home of this rule."""
    return (max(number, 1) - 1) // posts_per_page() + 1


def post_url(course_slug: str, thread_id: int, number: int | None = None, **values) -> str:
    """The thread page that shows the post, scrolled to it (page 1 needs no ?page=)."""
    if number is None:
        return url_for("community.thread_page", slug=course_slug, thread_id=thread_id, **values)
    page = page_of(number)
    return url_for(
        "community.thread_page",
        slug=course_slug,
        thread_id=thread_id,
        page=page if page > 1 else None,
        _anchor=f"post-{number}",
        **values,
    )


CATEGORIES = (
    select(Category).where(Category.course_id == bindparam("course_id")).order_by(Category.position)
)


def categories(course_id: int) -> list[Category]:
    return list(db.session.scalars(CATEGORIES, {"course_id": course_id}))


def _filtered(query, filter_name: str):
    if filter_name == "unanswered":
        return query.where(Thread.post_count <= 1)
    if filter_name == "questions":
        return query.where(Thread.is_question.is_(True))
    if filter_name == "solved":
        return query.where(Thread.accepted_post_id.is_not(None))
    if filter_name == "unsolved":
        return query.where(Thread.is_question.is_(True), Thread.accepted_post_id.is_(None))
    return query


@cache
def _thread_list_statement(sees_hidden: bool, by_category: bool, filter_name: str):
    """One statement per kind of listing (at most 20), built once; values are bound."""
    query = (
        select(*LISTED_THREAD_COLUMNS, User.full_name, Category.title, ReadMarker.last_read_number)
        .join(User, User.id == Thread.author_id)
        .join(Category, Category.id == Thread.category_id)
        .outerjoin(
            ReadMarker,
            and_(ReadMarker.thread_id == Thread.id, ReadMarker.user_id == bindparam("user_id")),
        )
        .where(Thread.course_id == bindparam("course_id"))
        .order_by(Thread.is_pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    if not sees_hidden:
        query = query.where(Thread.is_hidden.is_(False))
    if by_category:
        query = query.where(Thread.category_id == bindparam("category_id"))
    return _filtered(query, filter_name)


def thread_list(
    course_id: int, user, *, category_id: int | None = None, filter_name: str = "all", page: int = 1
) -> tuple[list[ThreadRow], bool]:
    """Pinned first, then latest activity; one query, one row past the page says 'more'."""
    size = threads_per_page()
    statement = _thread_list_statement(
        bool(access.sees_hidden(user)), category_id is not None, filter_name
    )
    values = {
        "user_id": user.id,
        "course_id": course_id,
        "category_id": category_id,
        "offset": (page - 1) * size,
        "limit": size + 1,
    }
    width = len(LISTED_THREAD_COLUMNS)
    rows = [
        ThreadRow(ListedThread(*row[:width]), *row[width:])
        for row in _rows(statement, values).all()
    ]
    return rows[:size], len(rows) > size


class ShownPost(NamedTuple):
    """What a thread page shows of a post: plain values read in one query, no ORM identity
    (building 200 Post and User instances was half of a 200-post page's time)."""

    id: int
    thread_id: int
    author_id: int
    number: int
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    is_hidden: bool
    open_report_count: int


class ShownAuthor(NamedTuple):
    """A post's author as the page shows them; the staff rule is User's (STAFF_ROLES)."""

    id: int
    full_name: str
    role: str

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def staff_badge(self) -> str | None:
        return staff_badge(self.role)


@dataclass(slots=True)
class PostRow:
    """A post with its author and what the viewer may do with it (flags from access)."""

    post: ShownPost
    author: ShownAuthor
    show_body: bool = True
    can_edit: bool = False
    can_report: bool = False
    can_suspend_author: bool = False
    is_new: bool = False


@dataclass
class ThreadPage:
    posts: list[PostRow]
    accepted: PostRow | None
    last_read: int
    is_following: bool
    page: int
    pages: int
    can_moderate: bool = False
    can_reply: bool = False
    can_accept: bool = False

    @property
    def last_shown(self) -> int:
        return self.posts[-1].post.number if self.posts else 0

    @property
    def has_unread(self) -> bool:
        """Posts on this page the viewer had not read: the page asks to mark them read."""
        return self.last_shown > self.last_read


SHOWN_POST_COLUMNS = (
    Post.id,
    Post.thread_id,
    Post.author_id,
    Post.number,
    Post.body_html,
    Post.created_at,
    Post.edited_at,
    Post.is_hidden,
    Post.open_report_count,
)
SHOWN_AUTHOR_COLUMNS = (User.id, User.full_name, User.role)
# Built once: the page runs it on every view with new bounds (statement building and its
# cache key were a tenth of the page).
SHOWN_POSTS = (
    select(*SHOWN_POST_COLUMNS, *SHOWN_AUTHOR_COLUMNS)
    .join(User, User.id == Post.author_id)
    .where(
        Post.thread_id == bindparam("thread_id"),
        Post.number.between(bindparam("first"), bindparam("last")),
    )
    .order_by(Post.number)
)
SHOWN_POST = (
    select(*SHOWN_POST_COLUMNS, *SHOWN_AUTHOR_COLUMNS)
    .join(User, User.id == Post.author_id)
    .where(Post.id == bindparam("post_id"))
)
_POST_WIDTH = len(SHOWN_POST_COLUMNS)
# Where the viewer stopped reading, and whether they follow the thread.
READ_MARKER = (
    select(
        ReadMarker.last_read_number,
        select(Follow.user_id)
        .where(Follow.user_id == bindparam("user_id"), Follow.thread_id == Thread.id)
        .exists(),
    )
    .select_from(Thread)
    .outerjoin(
        ReadMarker,
        and_(ReadMarker.thread_id == Thread.id, ReadMarker.user_id == bindparam("user_id")),
    )
    .where(Thread.id == bindparam("thread_id"))
)


def _rows(statement, values: dict):
    """Plain rows of a Core statement on the session's connection (its transaction): the
    ORM session's execute adds a fifth to a 200-row read it has nothing to do for."""
    return db.session.connection().execute(statement, values)


def _post_rows(rows) -> list[PostRow]:
    """Plain rows into PostRows, one ShownAuthor per author however many posts they wrote."""
    authors: dict[int, ShownAuthor] = {}
    out = []
    for row in rows:
        author = authors.get(row[_POST_WIDTH])
        if author is None:
            author = authors[row[_POST_WIDTH]] = ShownAuthor._make(row[_POST_WIDTH:])
        out.append(PostRow(ShownPost._make(row[:_POST_WIDTH]), author))
    return out


def thread_page(thread: Thread, user, page: int) -> ThreadPage:
    """Posts numbered into pages: a range scan on (thread_id, number), authors joined."""
    user = access.viewer(user)
    size = posts_per_page()
    pages = max((thread.post_count + size - 1) // size, 1)
    page = min(max(page, 1), pages)
    first = (page - 1) * size + 1
    bounds = {"thread_id": thread.id, "first": first, "last": first + size - 1}
    posts = _post_rows(_rows(SHOWN_POSTS, bounds).all())
    accepted = next((r for r in posts if r.post.id == thread.accepted_post_id), None)
    if thread.accepted_post_id and accepted is None:
        found = _post_rows(_rows(SHOWN_POST, {"post_id": thread.accepted_post_id}).all())
        accepted = found[0] if found else None
    marker = _rows(READ_MARKER, {"user_id": user.id, "thread_id": thread.id}).first()
    last_read = (marker[0] or 0) if marker else 0
    for row in posts + ([accepted] if accepted and accepted not in posts else []):
        _set_flags(row, user, last_read)
    return ThreadPage(
        posts=posts,
        accepted=accepted,
        last_read=last_read,
        is_following=bool(marker and marker[1]),
        page=page,
        pages=pages,
        can_moderate=access.can_moderate(user),
        can_reply=access.can_reply(user, thread),
        can_accept=access.can_accept(user, thread),
    )


def _set_flags(row: PostRow, user, last_read: int) -> None:
    post = row.post
    row.show_body = not post.is_hidden or access.sees_hidden(user)
    row.can_edit = access.can_edit(user, post)
    row.can_report = access.can_report(user, post)
    row.can_suspend_author = access.can_suspend(user, row.author)
    row.is_new = post.number > last_read


def _lesson_threads_statement(sees_hidden: bool):
    query = (
        select(*LISTED_THREAD_COLUMNS, User.full_name)
        .join(User, User.id == Thread.author_id)
        .where(Thread.lesson_id == bindparam("lesson_id"))
        .order_by(Thread.lesson_second, Thread.id)
        .limit(100)
    )
    return query if sees_hidden else query.where(Thread.is_hidden.is_(False))


# Built once for moderators and once for members: every lesson page runs one.
LESSON_THREADS = {True: _lesson_threads_statement(True), False: _lesson_threads_statement(False)}


def lesson_threads(lesson_id: int, user) -> list[tuple[ListedThread, str]]:
    """Threads tied to a lesson, by moment in the video (one query)."""
    statement = LESSON_THREADS[bool(access.sees_hidden(user))]
    width = len(LISTED_THREAD_COLUMNS)
    return [
        (ListedThread(*row[:width]), row[width])
        for row in _rows(statement, {"lesson_id": lesson_id}).all()
    ]


def lesson_for(course_id: int, slug: str | None) -> Lesson | None:
    if not slug:
        return None
    return db.session.scalar(
        select(Lesson).where(
            Lesson.course_id == course_id, Lesson.slug == slug, Lesson.is_published.is_(True)
        )
    )


def lesson_by_id(lesson_id: int) -> Lesson | None:
    return db.session.get(Lesson, lesson_id)


LIMIT = 30
SOLVED_FILTERS = ("solved", "unsolved")
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class SearchResult:
    thread: Thread
    post: Post
    author_name: str
    category_title: str


def fts5_query(q: str) -> str:
    """Words as quoted FTS5 terms (AND), the last one as a prefix: no query syntax leaks.
    q has at least one word (search_posts returns early otherwise)."""
    terms = [f'"{w}"' for w in WORD.findall(q)[:12]]
    terms[-1] += "*"
    return " ".join(terms)


def _fts5_condition():
    """SQLite: posts whose FTS5 entry matches the parameter q (an fts5_query)."""
    fts = text("SELECT rowid FROM forum_posts_fts WHERE forum_posts_fts MATCH :q")
    return Post.id.in_(fts.columns(rowid=Post.id.type).subquery().select())


@dataclass(frozen=True)
class SearchShape:
    """What decides a search statement's SQL; the course, category and words are
    parameters. sees_hidden is the viewer's, decided afresh on every search."""

    sees_hidden: bool
    by_category: bool
    solved: str | None

    def narrow(self, query, post):
        """query, which has Thread and ``post`` (Post or an alias of it) in its FROM, kept
        to the course, to what the viewer may see and to the filters."""
        query = query.where(Thread.course_id == bindparam("course_id"))
        if not self.sees_hidden:
            query = query.where(Thread.is_hidden.is_(False), post.is_hidden.is_(False))
        if self.by_category:
            query = query.where(Thread.category_id == bindparam("category_id"))
        if self.solved == "solved":
            query = query.where(Thread.accepted_post_id.is_not(None))
        elif self.solved == "unsolved":
            query = query.where(Thread.is_question.is_(True), Thread.accepted_post_id.is_(None))
        return query


# PostgreSQL's first step reads at most this many of the newest posts (of any course). A
# word in about 3% of posts or more fills a page from them (~1 µs a post); rarer words go
# to the GIN index, whose cost grows with the number of matches, which is then small.
RECENT_WINDOW = 1000

# The stored tsvector (a generated column from migration 0016, PostgreSQL only). It is kept
# out of the model because SQLite has no such column; only forum_posts unaliased may use it.
SEARCH_VECTOR = literal_column("forum_posts.search_vector")


def _window_floor():
    """The smallest id among the RECENT_WINDOW newest posts (an index-only scan)."""
    newest = aliased(Post)
    window = select(newest.id).order_by(newest.id.desc()).limit(RECENT_WINDOW).subquery()
    return select(func.min(window.c.id)).scalar_subquery()


def _newest_matches_pg(shape: SearchShape):
    """The ids of the LIMIT newest posts in scope matching the parameter q (plus, at
    most, LIMIT more).

    Two steps in one statement. 'recent' walks the newest RECENT_WINDOW posts newest
    first and stops at LIMIT matches: cheap for a frequent word, which would otherwise
    fetch thousands of matches from the index to keep 30. Every post outside the window
    is older than every post in it, so a full page from the window is the true answer.
    Only when it finds fewer does 'matches' run (a one-time filter: PostgreSQL skips it
    otherwise): every match from the GIN index, then the newest LIMIT in scope. Both
    CTEs are MATERIALIZED so the planner cannot turn the index route into a walk of the
    primary key over every post looking for a rare word.
    """
    # A scalar subquery parses q once per statement. Inline, a generic plan (psycopg
    # prepares a statement after its fifth use) parses it again for every post it checks.
    words = select(
        func.websearch_to_tsquery(text("'english'"), bindparam("q", type_=String))
    ).scalar_subquery()
    found = SEARCH_VECTOR.op("@@")(words)
    recent = (
        shape.narrow(
            select(Post.id)
            .join(Thread, Thread.id == Post.thread_id)
            .where(Post.id >= _window_floor(), found),
            Post,
        )
        .order_by(Post.id.desc())
        .limit(LIMIT)
        .cte("recent")
        .prefix_with("MATERIALIZED")
    )
    too_few = select(func.count()).select_from(recent).scalar_subquery() < LIMIT
    matches = (
        select(Post.id, Post.thread_id, Post.is_hidden)
        .where(found, too_few)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    match = aliased(Post, matches)
    older = (
        shape.narrow(select(match.id).join(Thread, Thread.id == match.thread_id), match)
        .order_by(match.id.desc())
        .limit(LIMIT)
    )
    return Post.id.in_(union_all(select(recent.c.id), older))


@functools.cache
def _search_statement(dialect: str, shape: SearchShape):
    """The search statement for one shape, built once: building it took about a
    millisecond of Python per search, as long as PostgreSQL took to answer it.

    The final query narrows again: cheap over at most 2 x LIMIT ids on PostgreSQL, and
    the statement that decides what the viewer sees stays whole.
    """
    condition = _newest_matches_pg(shape) if dialect == "postgresql" else _fts5_condition()
    return (
        shape.narrow(
            select(Thread, Post, User.full_name, Category.title)
            .join(Post, Post.thread_id == Thread.id)
            .join(User, User.id == Post.author_id)
            .join(Category, Category.id == Thread.category_id)
            .where(condition),
            Post,
        )
        .order_by(Post.id.desc())
        .limit(LIMIT)
    )


def search_posts(
    course_id: int, user, q: str, *, category_id: int | None = None, solved: str | None = None
) -> list[SearchResult]:
    """Matching posts of one course, newest first, filtered by category and solved state
    (one query).

    Newest first on both databases: ranking (ts_rank) would read every matching post,
    which at 100,000 posts costs far more than the search itself.
    """
    if not WORD.search(q):
        return []
    dialect = db.engine.dialect.name
    solved = solved if solved in SOLVED_FILTERS else None  # a bounded number of shapes
    shape = SearchShape(access.sees_hidden(user), category_id is not None, solved)
    params = {"course_id": course_id, "q": q if dialect == "postgresql" else fts5_query(q)}
    if category_id is not None:
        params["category_id"] = category_id
    rows = db.session.execute(_search_statement(dialect, shape), params).tuples()
    return [SearchResult(*row) for row in rows]


UNANSWERED_SHOWN = 50


@dataclass
class UnansweredQuestion:
    thread: Thread
    author_name: str
    age_days: int


def unanswered_questions(course_id: int, now) -> tuple[list[UnansweredQuestion], int]:
    """Visible questions nobody has replied to, oldest first (the instructor's queue), and
    how many there are, in one query (the total is a window count)."""
    rows = db.session.execute(
        select(Thread, User.full_name, func.count().over().label("total"))
        .join(User, User.id == Thread.author_id)
        .where(
            Thread.course_id == course_id,
            Thread.is_question.is_(True),
            Thread.is_hidden.is_(False),
            Thread.accepted_post_id.is_(None),
            Thread.post_count <= 1,
        )
        .order_by(Thread.created_at, Thread.id)
        .limit(UNANSWERED_SHOWN)
    ).all()
    questions = [
        UnansweredQuestion(thread, name, (now - thread.created_at).days) for thread, name, _ in rows
    ]
    return questions, rows[0].total if rows else 0


def thread_titles(ids: set[int] | None) -> dict[int, str]:
    """Thread titles by id, for the audit log: one query."""
    query = select(Thread.id, Thread.title)
    if ids is not None:
        query = query.where(Thread.id.in_(ids))
    return dict(db.session.execute(query).tuples().all())


def post_names(ids: set[int] | None) -> dict[int, str]:
    """A post named by its number and thread, for the audit log: one query."""
    query = select(Post.id, Post.number, Thread.title).join(Thread, Thread.id == Post.thread_id)
    if ids is not None:
        query = query.where(Post.id.in_(ids))
    return {i: f"post #{number} in “{title}”" for i, number, title in db.session.execute(query)}
