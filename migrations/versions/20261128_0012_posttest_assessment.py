"""post-test items know their lesson and module; the evaluation keeps the reported minutes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 00:00:00

posttest_questions.lesson_key / module_key (slugs from course.yml) let an attempt draw N
items from every module (posttest.yml `per_module`); existing rows get "" until the next
import fills them. evaluation_responses.reported_minutes holds the learner's answer to
"About how many minutes did the course take you?"; older responses stay NULL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posttest_questions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lesson_key", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("module_key", sa.String(length=100), nullable=False, server_default="")
        )
    with op.batch_alter_table("evaluation_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_minutes", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("evaluation_responses", schema=None) as batch_op:
        batch_op.drop_column("reported_minutes")
    with op.batch_alter_table("posttest_questions", schema=None) as batch_op:
        batch_op.drop_column("module_key")
        batch_op.drop_column("lesson_key")
