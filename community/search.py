"""Full-text search over thread titles and posts: SQLite FTS5 or PostgreSQL tsvector.

The indexes are created by the forum migration: an external-content FTS5 table kept by
triggers on SQLite, a GIN index on to_tsvector('english', search_text) on PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, func, select, text

from campus.accounts.models import User
from campus.extensions import db
from community.models import Category, Post, Thread

LIMIT = 30
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class SearchResult:
    thread: Thread
    post: Post
    author_name: str
    category_title: str


def fts5_query(q: str) -> str | None:
    """Words as quoted FTS5 terms (AND), the last one as a prefix: no query syntax leaks."""
    words = WORD.findall(q)[:12]
    if not words:
        return None
    terms = [f'"{w}"' for w in words]
    terms[-1] += "*"
    return " ".join(terms)


def _match_condition(q: str):
    """A WHERE clause for posts matching q on the current database, or None for no words.

    Results are newest first on both databases: ranking (ts_rank) would re-parse every
    matching post, which at 100,000 posts costs far more than the search itself.
    """
    if db.engine.dialect.name == "postgresql":
        if not WORD.search(q):
            return None
        # The same expression as the GIN index in the migration, so the index applies.
        vector = func.to_tsvector(text("'english'"), Post.search_text)
        matches = vector.op("@@")(func.websearch_to_tsquery(text("'english'"), q))
        # MATERIALIZED fences the planner: otherwise LIMIT + ORDER BY id tempts it to walk
        # the primary key and parse every post looking for rare matches (a second at 100k).
        found = select(Post.id).where(matches).cte("matches").prefix_with("MATERIALIZED")
        return Post.id.in_(select(found.c.id))
    match = fts5_query(q)
    if match is None:
        return None
    fts = text("SELECT rowid FROM forum_posts_fts WHERE forum_posts_fts MATCH :q")
    return Post.id.in_(fts.bindparams(q=match).columns(rowid=Post.id.type).subquery().select())


def search_posts(
    course_id: int, user, q: str, *, category_id: int | None = None, solved: str | None = None
) -> list[SearchResult]:
    """Matching posts of one course, filtered by category and solved state (one query)."""
    condition = _match_condition(q)
    if condition is None:
        return []
    query = (
        select(Thread, Post, User.full_name, Category.title)
        .join(Post, Post.thread_id == Thread.id)
        .join(User, User.id == Post.author_id)
        .join(Category, Category.id == Thread.category_id)
        .where(Thread.course_id == course_id, condition)
        .order_by(Post.id.desc())
        .limit(LIMIT)
    )
    if not user.is_staff:
        query = query.where(and_(Thread.is_hidden.is_(False), Post.is_hidden.is_(False)))
    if category_id is not None:
        query = query.where(Thread.category_id == category_id)
    if solved == "solved":
        query = query.where(Thread.accepted_post_id.is_not(None))
    elif solved == "unsolved":
        query = query.where(Thread.is_question.is_(True), Thread.accepted_post_id.is_(None))
    return [SearchResult(*row) for row in db.session.execute(query).tuples()]


def alembic_include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Hide the search structures the migration creates by hand from autogenerate, which
    would otherwise propose dropping the FTS5 tables and the GIN index."""
    if type_ == "table" and reflected and name and name.startswith("forum_posts_fts"):
        return False
    return not (type_ == "index" and reflected and name == "ix_forum_posts_search")
