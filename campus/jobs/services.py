"""Verbs of the job queue: enqueue work (an outbox row in the caller's transaction) and
retry a dead job. Both flush and leave the commit to the caller; the rows reach the queue
only once that commit succeeds (campus.jobs.queue.push_after_commit)."""

from __future__ import annotations

import json

from sqlalchemy import select

from campus.audit.services import record
from campus.database import insert_for
from campus.errors import UserError
from campus.extensions import db
from campus.jobs.models import Job, JobState
from campus.jobs.registry import JOBS
from campus.models import utcnow

PENDING_KEY = "campus.jobs.to_push"


def enqueue(name: str, *args, key: str | None = None) -> Job:
    """Add the job ``name(*args)`` to this transaction; the job that already exists when
    ``key`` names one (a second refusal, a second claim: one email).

    The same job asked for twice in one transaction (two notifications of one thread)
    is one row. The row is pushed to the queue after the commit; a rollback drops both.
    """
    if name not in JOBS:
        raise ValueError(f"no job is registered as {name!r}")
    wanted = db.session.info.setdefault(PENDING_KEY, {})
    asked = (name, json.dumps(args, sort_keys=True, default=str))  # lists are unhashable
    if asked in wanted:
        return db.session.get(Job, wanted[asked])
    if key is not None:
        job, inserted = _insert_keyed(name, list(args), key)
        if not inserted:  # already asked for: its own push (or retry) wakes it
            return job
    else:
        job = Job(name=name, args=list(args), run_after=utcnow())
        db.session.add(job)
        db.session.flush()
    wanted[asked] = job.id
    return job


def _insert_keyed(name: str, args: list, key: str) -> tuple[Job, bool]:
    """INSERT ... ON CONFLICT DO NOTHING on the key: (the row, whoever inserted it; whether
    this call did)."""
    inserted = db.session.execute(
        insert_for(Job)
        .values(
            name=name,
            args=args,
            key=key,
            state=JobState.PENDING.value,
            attempts=0,
            run_after=utcnow(),
            last_error="",
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Job.id)
    ).scalar()
    return db.session.scalar(select(Job).where(Job.key == key)), inserted is not None


def retry_dead(actor, job: Job) -> Job:
    """Give a dead job a fresh set of attempts, now; audit-logged as a staff action."""
    if job.state != JobState.DEAD.value:
        raise UserError("Only a job in the dead-letter list can be retried.", 409)
    before = {"state": job.state, "attempts": job.attempts}
    job.state = JobState.PENDING.value
    job.attempts = 0
    job.run_after = utcnow()
    job.lease_until = None
    job.finished_at = None
    db.session.info.setdefault(PENDING_KEY, {})[("retry", job.id)] = job.id
    record(
        actor,
        "job.retry",
        "job",
        job.id,
        before=before,
        after={"state": job.state, "name": job.name, "args": job.args},
        note=job.last_error[-500:],
    )
    db.session.flush()
    return job
