"""users.time_zone: the learner's IANA time zone for calendar days

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 08:20:00

Existing accounts keep NULL and count days in the site's DEFAULT_TIME_ZONE.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
