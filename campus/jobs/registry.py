"""The names jobs are known by, so a row in the database (and a message in the queue)
carries a name and plain arguments rather than pickled code.

A wing registers its work with ``@job("forum.event_emails")`` in its jobs.py, and its
periodic work with ``periodic("forum.digests", "FORUM_DIGEST_CRON")``; the kernel never
imports a wing, and create_app imports every jobs module (campus.import_all_jobs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

JOBS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Periodic:
    name: str  # a registered job, run with no arguments
    cron_setting: str  # the config key holding its five-field cron line (UTC)


PERIODIC: dict[str, Periodic] = {}


def job(name: str) -> Callable[[Callable], Callable]:
    """Register a function as the job ``name``. It runs in a worker, in an app and request
    context of its own (url_for works), may raise to be retried with backoff, and must be
    idempotent: it can run again after a worker dies mid-way, or twice if delivered twice."""

    def register(function: Callable) -> Callable:
        if JOBS.get(name, function) is not function:
            raise ValueError(f"job {name!r} is already registered")
        JOBS[name] = function
        return function

    return register


def periodic(name: str, cron_setting: str) -> None:
    """Run the registered job ``name`` on the schedule held in ``config[cron_setting]``."""
    PERIODIC[name] = Periodic(name, cron_setting)
