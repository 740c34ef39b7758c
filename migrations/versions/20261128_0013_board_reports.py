"""board_reports and board_report_entries: the log of completions reported to boards

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 00:10:00

Each report keeps the exact file sent (content and SHA-256), its format, who made it and
when; each entry names a certificate and the license it was reported under.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "board_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("file_format", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_board_reports_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_board_reports_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_reports")),
    )
    with op.batch_alter_table("board_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_reports_course_id"), ["course_id"])
    op.create_table(
        "board_report_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("license_state", sa.String(length=2), nullable=False),
        sa.Column("license_number", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["board_reports.id"],
            name=op.f("fk_board_report_entries_report_id_board_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_board_report_entries_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_board_report_entries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_report_entries")),
        sa.UniqueConstraint(
            "report_id",
            "certificate_id",
            name=op.f("uq_board_report_entries_report_id_certificate_id"),
        ),
    )
    with op.batch_alter_table("board_report_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_report_entries_report_id"), ["report_id"])
        batch_op.create_index(
            batch_op.f("ix_board_report_entries_certificate_id"), ["certificate_id"]
        )
        batch_op.create_index(batch_op.f("ix_board_report_entries_user_id"), ["user_id"])


def downgrade():
    op.drop_table("board_report_entries")
    op.drop_table("board_reports")
