"""ce_settings_alerts: staff emailed once per course and missing CE field set

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:00:00

A certificate refused for incomplete CE settings tells the course's staff by email, once
per course and per set of missing fields; this table records that it was sent.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ce_settings_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("missing_fields", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_ce_settings_alerts_course_id_courses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ce_settings_alerts")),
        sa.UniqueConstraint(
            "course_id",
            "missing_fields",
            name=op.f("uq_ce_settings_alerts_course_id_missing_fields"),
        ),
    )
    with op.batch_alter_table("ce_settings_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ce_settings_alerts_course_id"), ["course_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("ce_settings_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ce_settings_alerts_course_id"))
    op.drop_table("ce_settings_alerts")
