"""Indexes for the paged staff lists: users by name, enrollments by course and status or
enrolment date, progress and time on task by course and learner, and a course's
certificates by issue time.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

INDEXES = [
    ("users", "ix_users_full_name", ["full_name", "id"]),
    ("enrollments", "ix_enrollments_course_status", ["course_id", "status"]),
    ("enrollments", "ix_enrollments_course_enrolled", ["course_id", "enrolled_at", "id"]),
    ("lesson_progress", "ix_lesson_progress_course_user", ["course_id", "user_id"]),
    ("time_on_task", "ix_time_on_task_course_user", ["course_id", "user_id"]),
    ("certificates", "ix_certificates_course_issued", ["course_id", "issued_at", "id"]),
]


def upgrade():
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
