"""forum_posts.search_vector: a stored tsvector (PostgreSQL) that search reads directly.

The GIN index on to_tsvector('english', search_text) made every match the index returned
be parsed again to check it, and the newest-first walk over recent posts parsed each one:
a frequent word cost tens of milliseconds at 100,000 posts. A generated column keeps the
vector beside the text (PostgreSQL recomputes it on every insert or update of
search_text, so edits need no code), and the GIN index moves to it. SQLite searches
through FTS5 and has nothing to change.

Adding a stored generated column rewrites forum_posts once under an ACCESS EXCLUSIVE lock:
forum reads and writes wait for it (about two seconds per 100,000 posts, index included).

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _on_postgresql():
        return
    op.execute(
        "ALTER TABLE forum_posts ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED"
    )
    op.execute("CREATE INDEX ix_forum_posts_search_vector ON forum_posts USING gin (search_vector)")
    op.execute("DROP INDEX IF EXISTS ix_forum_posts_search")


def downgrade():
    if not _on_postgresql():
        return
    op.execute(
        "CREATE INDEX ix_forum_posts_search ON forum_posts "
        "USING gin (to_tsvector('english', search_text))"
    )
    op.execute("ALTER TABLE forum_posts DROP COLUMN search_vector")  # and its index
