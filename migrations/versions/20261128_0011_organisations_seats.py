"""district: organisations and their managers, seat packs, invites; enrollments and codes
name the seat pack that pays for them

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_organisations_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "organisation_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_managers_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_organisation_managers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_managers")),
        sa.UniqueConstraint(
            "organisation_id",
            "user_id",
            name=op.f("uq_organisation_managers_organisation_id_user_id"),
        ),
    )
    with op.batch_alter_table("organisation_managers") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_managers_organisation_id"), ["organisation_id"]
        )
        batch_op.create_index(batch_op.f("ix_organisation_managers_user_id"), ["user_id"])
    _create_seat_packs()
    _create_invites()
    with op.batch_alter_table("enrollments") as batch_op:
        batch_op.add_column(sa.Column("seat_pack_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_enrollments_seat_pack_id_seat_packs"),
            "seat_packs",
            ["seat_pack_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_enrollments_seat_pack_id"), ["seat_pack_id"])
    with op.batch_alter_table("enrollment_codes") as batch_op:
        batch_op.add_column(sa.Column("seat_pack_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_enrollment_codes_seat_pack_id_seat_packs"),
            "seat_packs",
            ["seat_pack_id"],
            ["id"],
        )


def _create_seat_packs():
    op.create_table(
        "seat_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("held <= seats", name=op.f("ck_seat_packs_held_within_seats")),
        sa.CheckConstraint("held >= 0", name=op.f("ck_seat_packs_held_not_negative")),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_seat_packs_seats_positive")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_seat_packs_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_seat_packs_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_seat_packs_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_packs")),
    )
    with op.batch_alter_table("seat_packs") as batch_op:
        batch_op.create_index(batch_op.f("ix_seat_packs_organisation_id"), ["organisation_id"])
        batch_op.create_index(batch_op.f("ix_seat_packs_course_id"), ["course_id"])


def _create_invites():
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seat_pack_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("freed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("times_sent", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["seat_pack_id"], ["seat_packs.id"], name=op.f("fk_invites_seat_pack_id_seat_packs")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_invites_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invites_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_invites_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
    )
    with op.batch_alter_table("invites") as batch_op:
        batch_op.create_index(batch_op.f("ix_invites_seat_pack_id"), ["seat_pack_id"])
        batch_op.create_index(
            "uq_invites_pending_email",
            ["course_id", "email"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade():
    with op.batch_alter_table("enrollment_codes") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_enrollment_codes_seat_pack_id_seat_packs"), type_="foreignkey"
        )
        batch_op.drop_column("seat_pack_id")
    with op.batch_alter_table("enrollments") as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollments_seat_pack_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_enrollments_seat_pack_id_seat_packs"), type_="foreignkey"
        )
        batch_op.drop_column("seat_pack_id")
    op.drop_table("invites")
    op.drop_table("seat_packs")
    op.drop_table("organisation_managers")
    op.drop_table("organisations")
