"""Reads of the job queue: the admin's page (counts by state, the dead-letter list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select

from campus.extensions import db
from campus.jobs.models import Job, JobState
from campus.models import utcnow

DEAD_PAGE_SIZE = 100
STALLED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class JobsPage:
    counts: dict[str, int]  # every state, 0 when none
    dead: list[Job]  # newest first, at most DEAD_PAGE_SIZE
    retrying: list[Job]  # pending after a failure: the next attempt is waiting
    overdue: int  # due for more than STALLED_AFTER: no worker is taking jobs


def jobs_page() -> JobsPage:
    """Four queries, whatever the number of jobs."""
    counts = {state.value: 0 for state in JobState}
    counts.update(db.session.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    dead = db.session.scalars(
        select(Job)
        .where(Job.state == JobState.DEAD.value)
        .order_by(Job.finished_at.desc(), Job.id.desc())
        .limit(DEAD_PAGE_SIZE)
    ).all()
    retrying = db.session.scalars(
        select(Job)
        .where(Job.state == JobState.PENDING.value, Job.attempts > 0)
        .order_by(Job.run_after)
        .limit(DEAD_PAGE_SIZE)
    ).all()
    overdue = db.session.scalar(
        select(func.count(Job.id)).where(
            Job.state == JobState.PENDING.value, Job.run_after < utcnow() - STALLED_AFTER
        )
    )
    return JobsPage(counts, list(dead), list(retrying), overdue)


def due_job_ids() -> list[int]:
    """Jobs a worker could claim now: waiting and due, or held by an expired lease."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Job.id)
            .where(
                or_(
                    (Job.state == JobState.PENDING.value) & (Job.run_after <= now),
                    (Job.state == JobState.RUNNING.value) & (Job.lease_until < now),
                )
            )
            .order_by(Job.id)
        )
    )
