"""certificates.revoked_category: a public category beside the staff's free-text reason

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 11:00:00

/verify/<code>.json shows the category of a revocation, never the free text. Certificates
revoked before this revision get "other".
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_category", sa.String(length=30), nullable=True))
    certificates = sa.table(
        "certificates",
        sa.column("revoked_at", sa.DateTime(timezone=True)),
        sa.column("revoked_category", sa.String),
    )
    op.execute(
        certificates.update()
        .where(certificates.c.revoked_at.is_not(None))
        .values(revoked_category="other")
    )


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("revoked_category")
