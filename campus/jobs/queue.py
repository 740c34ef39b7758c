"""The queue that carries job rows to workers: Huey, on the storage JOBS_URL names.

- empty (the default): SQLite in instance/jobs.sqlite3, no service to run (`make run`).
- redis://...: Redis, for several app instances and workers.
- immediate://: no queue at all; each job runs in the committing process right after the
  commit, or once the response is sent when a request committed it (the test suite).

Huey removes a message before running it, so a worker killed mid-job takes its message
with it. That is why the job row, not the message, is the record: a message only says
"look at row N now", and the sweep sends another for any row the queue lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, after_this_request, current_app, g, has_request_context
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event

from campus.config import ConfigError
from campus.extensions import db
from campus.jobs import runner
from campus.jobs.registry import PERIODIC
from campus.jobs.services import PENDING_KEY, enqueue

log = logging.getLogger(__name__)

SWEEP_OVERDUE_SECONDS = 60
POLL_MAX_DELAY = 1.0  # SQLite is polled; Redis blocks on the list and wakes at once


def queue(app: Flask | None = None):
    """This app's Huey instance (one per JOBS_URL, built on first use)."""
    app = app or current_app._get_current_object()
    url = app.config["JOBS_URL"] or f"sqlite:///{Path(app.instance_path) / 'jobs.sqlite3'}"
    built = app.extensions.setdefault("jobs_queues", {})
    if url not in built:
        built[url] = _build(app, url)
    return built[url]


def _build(app: Flask, url: str):
    name = app.config["JOBS_QUEUE_NAME"]
    if url.startswith("immediate:"):
        huey = MemoryHuey(name, immediate=True, results=False)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey(name, url=url, results=False)
    elif url.startswith("sqlite:///"):
        huey = SqliteHuey(name, filename=url.removeprefix("sqlite:///"), results=False)
    else:
        raise ConfigError(f"JOBS_URL {url!r}: use redis://..., sqlite:///path or leave it empty")

    @huey.task(name="campus.run_job")
    def run_job(job_id: int) -> None:
        with job_context(app):
            wakeup = runner.run(job_id)
        if wakeup is not None:
            push([wakeup], app)

    @huey.periodic_task(crontab(minute="*"), name="campus.sweep_jobs")
    def sweep_jobs() -> None:
        with job_context(app):
            wakeups = runner.sweep(overdue_after=SWEEP_OVERDUE_SECONDS)
        push(wakeups, app)

    for periodic in PERIODIC.values():
        _add_periodic(huey, app, periodic)
    huey.campus_run_job = run_job
    return huey


def _add_periodic(huey, app: Flask, periodic) -> None:
    minute, hour, day, month, weekday = app.config[periodic.cron_setting].split()

    def start() -> None:
        """Add the day's (or hour's) row; every consumer's scheduler fires, one row wins."""
        with job_context(app):
            stamp = huey._get_timestamp().strftime("%Y%m%dT%H%M")
            enqueue(periodic.name, key=f"{periodic.name}@{stamp}")
            db.session.commit()

    start.__name__ = f"periodic_{periodic.name.replace('.', '_')}"
    huey.periodic_task(
        crontab(minute, hour, day, month, weekday), name=f"campus.periodic.{periodic.name}"
    )(start)


@contextmanager
def job_context(app: Flask) -> Iterator[None]:
    """An app context (so a database session) of its own, even when the job runs inside a
    request (immediate://), and a request on the public address so url_for builds links."""
    base = app.config.get("PUBLIC_BASE_URL") or (
        f"http://{app.config['SERVER_NAME']}" if app.config.get("SERVER_NAME") else None
    )
    with app.app_context(), app.test_request_context("/", base_url=base or "http://localhost"):
        g.campus_job = True  # not a real request: nothing waits for a response to close
        yield


def push(wakeups: list[runner.Wakeup], app: Flask | None = None) -> None:
    """Send the queue a message per wake-up. A queue that is down loses nothing: the rows
    are in the database and the sweep pushes them again."""
    app = app or current_app._get_current_object()
    huey = queue(app)
    if huey.immediate and has_request_context() and not g.get("campus_job") and wakeups:
        _once_the_response_is_sent(app, wakeups)
        return
    for wakeup in wakeups:
        try:
            if wakeup.delay > 0:
                huey.campus_run_job.schedule(args=(wakeup.job_id,), delay=wakeup.delay)
            else:
                huey.campus_run_job(wakeup.job_id)
        except Exception:  # the queue's own errors (Redis down, SQLite locked) vary
            log.warning("job %d not queued now; the sweep will queue it", wakeup.job_id)


def _once_the_response_is_sent(app: Flask, wakeups: list[runner.Wakeup]) -> None:
    """immediate:// inside a request: run the jobs when the server closes the response, as a
    worker would run them after the commit, so the request itself stays one transaction."""

    @after_this_request
    def attach(response):
        response.call_on_close(lambda: push(wakeups, app))
        return response


def _after_commit(session) -> None:
    wanted = session.info.pop(PENDING_KEY, None)
    if wanted:
        push([runner.Wakeup(job_id) for job_id in dict.fromkeys(wanted.values())])


def _after_rollback(session) -> None:
    session.info.pop(PENDING_KEY, None)


def init_app(app: Flask) -> None:
    """Push each committed transaction's new job rows to the queue."""
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
