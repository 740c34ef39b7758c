"""Running one job row: claim it with a lease, call its function, record the outcome.

Each step commits on its own, so what a worker has done survives it: a worker killed mid-job
(kill -9) leaves the row RUNNING with a lease that runs out, and the sweep hands it to
another worker. Retries wait longer each time (RETRY_DELAY * 2^(attempt-1), at most
MAX_DELAY); after JOBS_MAX_ATTEMPTS the row is DEAD, on the admin's dead-letter page.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from campus.extensions import db
from campus.jobs.models import Job, JobState
from campus.jobs.registry import JOBS
from campus.models import utcnow

log = logging.getLogger(__name__)

MAX_DELAY_SECONDS = 6 * 60 * 60
KEEP_DONE_DAYS = 30  # then a finished row goes; every job's own records keep it idempotent
ERROR_MAX = 4000
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Wakeup:
    """Ask the queue to run job ``job_id`` in ``delay`` seconds."""

    job_id: int
    delay: float = 0.0


def _settings() -> tuple[int, int, int]:
    config = current_app.config
    return config["JOBS_LEASE_SECONDS"], config["JOBS_MAX_ATTEMPTS"], config["JOBS_RETRY_DELAY"]


def backoff(attempts: int) -> int:
    """Seconds before attempt ``attempts + 1``: doubling from JOBS_RETRY_DELAY."""
    _, _, base = _settings()
    return min(base * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)


def claim(job_id: int) -> Job | None:
    """Take the job for this worker, committed; None when it is not this worker's to run
    (done, dead, not due yet, or held by a live lease). This is what makes a duplicate
    delivery of the same job a no-op."""
    lease, max_attempts, _ = _settings()
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.attempts < max_attempts,
            or_(
                and_(Job.state == JobState.PENDING.value, Job.run_after <= now),
                and_(Job.state == JobState.RUNNING.value, Job.lease_until < now),
            ),
        )
        .values(
            state=JobState.RUNNING.value,
            attempts=Job.attempts + 1,
            lease_until=now + timedelta(seconds=lease),
        )
    ).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if claimed else None


def run(job_id: int) -> Wakeup | None:
    """Claim and run one job; the wake-up its retry needs, if it failed and may retry."""
    job = claim(job_id)
    if job is None:
        return None
    name, args, attempts = job.name, list(job.args), job.attempts
    try:
        JOBS[name](*args)
    except Exception as error:
        db.session.rollback()
        log.warning("job %s #%d failed (attempt %d): %s", name, job_id, attempts, error)
        return _failed(job_id, "".join(traceback.format_exception(error))[-ERROR_MAX:])
    db.session.rollback()  # anything the job left uncommitted is not ours to keep
    db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING.value)
        .values(state=JobState.DONE.value, lease_until=None, finished_at=utcnow())
    )
    db.session.commit()
    return None


def _failed(job_id: int, error: str) -> Wakeup | None:
    _, max_attempts, _ = _settings()
    job = db.session.get(Job, job_id)
    job.lease_until = None
    job.last_error = error
    if job.attempts >= max_attempts:
        job.state = JobState.DEAD.value
        job.finished_at = utcnow()
        log.error("job %s is dead after %d attempts", job.label, job.attempts)
        db.session.commit()
        return None
    delay = backoff(job.attempts)
    job.state = JobState.PENDING.value
    job.run_after = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    return Wakeup(job_id, delay)


def sweep(*, overdue_after: float = 0.0, include_leased: bool = False) -> list[Wakeup]:
    """The rows the queue may have lost, to push again (duplicates are harmless: see claim).

    - PENDING and due for more than ``overdue_after`` seconds: never pushed (the queue was
      down at commit) or pushed and lost with a dead worker's prefetch.
    - RUNNING with an expired lease: its worker died mid-job.
    - with ``include_leased`` (a worker starting), RUNNING rows still leased, woken when
      their lease ends: after a restart there is no other worker to finish them.
    Rows whose worker died on the last attempt go to the dead-letter list, and rows done
    more than KEEP_DONE_DAYS ago are deleted.
    """
    _, max_attempts, _ = _settings()
    now = utcnow()
    died = db.session.execute(
        update(Job)
        .where(
            Job.state == JobState.RUNNING.value,
            Job.lease_until < now,
            Job.attempts >= max_attempts,
        )
        .values(
            state=JobState.DEAD.value,
            lease_until=None,
            finished_at=now,
            last_error="The worker running it stopped before it finished, on every attempt.",
        )
    ).rowcount
    if died:
        log.error("%d job(s) dead: their worker stopped on every attempt", died)
    db.session.execute(
        delete(Job).where(
            Job.state == JobState.DONE.value,
            Job.finished_at < now - timedelta(days=KEEP_DONE_DAYS),
        )
    )
    due = db.session.scalars(
        select(Job.id)
        .where(
            Job.state == JobState.PENDING.value,
            Job.run_after <= now - timedelta(seconds=overdue_after),
        )
        .order_by(Job.run_after)
        .limit(SWEEP_BATCH)
    ).all()
    running = select(Job.id, Job.lease_until).where(Job.state == JobState.RUNNING.value)
    if not include_leased:
        running = running.where(Job.lease_until < now)
    leased = db.session.execute(running.limit(SWEEP_BATCH)).all()
    db.session.commit()
    wakeups = [Wakeup(job_id) for job_id in due]
    for job_id, lease_until in leased:
        wakeups.append(Wakeup(job_id, max((lease_until - now).total_seconds(), 0.0) + 0.05))
    return wakeups
