"""flask jobs ...: the worker (`make run` starts one beside the web server), and one-off
sweeps and runs for an operator."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from campus.jobs import queue as job_queue
from campus.jobs import runner
from campus.jobs.queries import due_job_ids


@click.group("jobs")
def jobs_cli():
    """The job queue: emails, digests, certificate emails."""


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=None, help="Threads (default JOBS_WORKERS).")
@with_appcontext
def worker_command(workers: int | None) -> None:
    """Run jobs as they come, and the schedule (digests, the sweep), until stopped.

    On start it queues every job left unfinished: waiting ones now, and ones a stopped
    worker held once their lease ends. Stop it with Ctrl-C or SIGTERM; a job cut short
    runs again (jobs are idempotent).
    """
    app = current_app._get_current_object()
    huey = job_queue.queue(app)
    if huey.immediate:
        raise click.UsageError("JOBS_URL is immediate://: jobs run where they are committed.")
    job_queue.push(runner.sweep(include_leased=True), app)
    consumer = huey.create_consumer(
        workers=workers or app.config["JOBS_WORKERS"],
        worker_type="thread",
        periodic=True,
        max_delay=job_queue.POLL_MAX_DELAY,
        check_worker_health=True,
    )
    click.echo(f"campus jobs worker on {type(huey).__name__} ({huey.name})", err=True)
    consumer.run()


@jobs_cli.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Queue again every job that is due or whose worker stopped."""
    wakeups = runner.sweep()
    job_queue.push(wakeups)
    click.echo(f"Queued {len(wakeups)} job(s).")


@jobs_cli.command("run-due")
@with_appcontext
def run_due_command() -> None:
    """Run every job that is due, here, now (no worker needed); retries wait their turn."""
    ran = 0
    for job_id in due_job_ids():
        with job_queue.job_context(current_app._get_current_object()):
            runner.run(job_id)
        ran += 1
    click.echo(f"Ran {ran} job(s).")
