"""real viewing time: lessons complete only with enough real playing time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 09:00:00

Adds lesson_progress.viewing_seconds, viewing_sessions.real_seconds and .counted_beats, and
time_on_task.real_seconds (course/progress/rules.py explains the rule).

Existing progress is migrated honestly. Real time was never recorded, so each past viewing
session is credited the smaller of the media it credited and its wall-clock span (first open
to last beat): a conservative estimate that never exceeds the time that really passed.
Lessons marked complete whose estimate falls short of threshold x duration / credit rate
reopen, except for learners who already hold a certificate for the course (certificates
already issued stand). Past ledger rows keep real_seconds NULL: not measured. The counts are
logged by `flask db upgrade`.
"""

import logging
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

sessions = sa.table(
    "viewing_sessions",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("lesson_id", sa.Integer),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("last_beat_at", sa.DateTime(timezone=True)),
    sa.column("last_sequence", sa.Integer),
    sa.column("credited_seconds", sa.Float),
    sa.column("real_seconds", sa.Float),
    sa.column("counted_beats", sa.JSON),
)
progress = sa.table(
    "lesson_progress",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("lesson_id", sa.Integer),
    sa.column("course_id", sa.Integer),
    sa.column("completed_at", sa.DateTime(timezone=True)),
    sa.column("viewing_seconds", sa.Float),
)
lessons = sa.table("lessons", sa.column("id", sa.Integer), sa.column("duration_seconds", sa.Float))
courses = sa.table("courses", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))
certificates = sa.table(
    "certificates", sa.column("user_id", sa.Integer), sa.column("course_id", sa.Integer)
)


def upgrade():
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("viewing_seconds", sa.Float(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("viewing_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("real_seconds", sa.Float(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("counted_beats", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("time_on_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("real_seconds", sa.Float(), nullable=True))
    _estimate_and_reopen(op.get_bind())
    for table, column in (
        ("lesson_progress", "viewing_seconds"),
        ("viewing_sessions", "real_seconds"),
        ("viewing_sessions", "counted_beats"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, server_default=None)


def _estimate_and_reopen(bind) -> None:
    viewing = defaultdict(float)
    for row in bind.execute(sa.select(sessions)).mappings():
        span = 0.0
        if row["last_beat_at"] is not None:
            span = max((row["last_beat_at"] - row["started_at"]).total_seconds(), 0.0)
        real = min(row["credited_seconds"] or 0.0, span)
        viewing[(row["user_id"], row["lesson_id"])] += real
        counted = [[0, row["last_sequence"] + 1]] if row["last_sequence"] else []
        bind.execute(
            sessions.update()
            .where(sessions.c.id == row["id"])
            .values(real_seconds=real, counted_beats=counted)
        )
    durations = dict(bind.execute(sa.select(lessons.c.id, lessons.c.duration_seconds)).all())
    settings = dict(bind.execute(sa.select(courses.c.id, courses.c.settings)).all())
    certified = set(bind.execute(sa.select(certificates.c.user_id, certificates.c.course_id)))
    reopened, learners, kept = 0, set(), 0
    for row in bind.execute(sa.select(progress)).mappings().all():
        seconds = viewing.get((row["user_id"], row["lesson_id"]), 0.0)
        values = {"viewing_seconds": seconds}
        if row["completed_at"] is not None and seconds < _required(
            settings.get(row["course_id"]) or {}, durations.get(row["lesson_id"]) or 0.0
        ):
            if (row["user_id"], row["course_id"]) in certified:
                kept += 1
            else:
                values["completed_at"] = None
                reopened += 1
                learners.add(row["user_id"])
        bind.execute(progress.update().where(progress.c.id == row["id"]).values(**values))
    log.warning(
        "0007 real viewing time: reopened %d completed lessons of %d learners without enough "
        "recorded real time; %d such lessons of certified learners left complete "
        "(certificates already issued stand)",
        reopened,
        len(learners),
        kept,
    )


def _required(settings: dict, duration: float) -> float:
    """threshold x duration / credit rate, as course/progress/rules.py at this revision."""
    threshold = float(settings.get("completion_threshold") or 0.9)
    rate = min(max(float(settings.get("credit_rate") or 1.0), 1.0), 1.25)
    return threshold * duration / rate - 1e-6


def downgrade():
    with op.batch_alter_table("time_on_task", schema=None) as batch_op:
        batch_op.drop_column("real_seconds")
    with op.batch_alter_table("viewing_sessions", schema=None) as batch_op:
        batch_op.drop_column("counted_beats")
        batch_op.drop_column("real_seconds")
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.drop_column("viewing_seconds")
