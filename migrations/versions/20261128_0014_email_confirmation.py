"""users.email_confirmed_at: a new account confirms its address before its first sign-in

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 00:00:00

Every existing account is taken as confirmed (at its creation time): they signed up before
confirmation existed, and locking them out now would help nobody.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE users SET email_confirmed_at = created_at WHERE email_confirmed_at IS NULL")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_confirmed_at")
