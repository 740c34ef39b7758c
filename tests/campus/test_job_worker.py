"""Real workers (`flask jobs worker` processes) on the embedded SQLite queue and on a Redis
server the test starts: an announcement to 30 members goes out; a worker killed with
SIGKILL in the middle of sending loses nothing and doubles nothing once another starts.

The SMTP server is real (aiosmtpd on loopback). To kill the worker mid-job at a known
point, the server holds one recipient (RCPT TO) until told to let go: the worker is then
inside send(), ten emails accepted, twenty to go.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bench.common import free_port, start_job_worker
from campus.accounts.models import Role
from campus.extensions import db
from campus.jobs.models import Job
from community.models import EmailMode, Notification
from community.notifications import services as notification_services
from tests.factories import learner_in, make_user
from tests.helpers import client_for, post
from tests.live_server import server_env
from tests.smtp_server import Inbox

RECIPIENTS = 30
HELD_AT = 11  # the 11th recipient: ten emails are accepted before the worker is killed
LEASE_SECONDS = 2


class HoldingInbox(Inbox):
    """Keeps messages like Inbox, and holds the HELD_AT-th recipient until released."""

    def __init__(self, hold_at: int):
        super().__init__()
        self.hold_at = hold_at
        self.recipients_seen = 0
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.recipients_seen += 1
        if self.recipients_seen == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 try again later"  # its sender is dead by now anyway
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def holding_smtp(app, monkeypatch):
    inbox = HoldingInbox(HELD_AT)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    try:
        yield inbox, controller.port
    finally:
        inbox.release.set()
        controller.stop()


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of the test's own, on a free port, keeping nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: .ci/run installs it")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def jobs_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    return request.getfixturevalue("redis_url")


def start_worker(app, jobs_url: str, smtp_port: int, log: Path) -> subprocess.Popen:
    env = server_env(
        {
            "FLASK_APP": "campus",
            "JOBS_URL": jobs_url,
            "JOBS_QUEUE_NAME": app.config["JOBS_QUEUE_NAME"],
            "JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
            "JOBS_WORKERS": "1",
            "JOBS_RETRY_DELAY": "1",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
        }
    )
    return start_job_worker(env, log)


# Generous deadlines: a worker process can take tens of seconds to start on a loaded CI
# machine. They bound a hang; the delivery figures in the closing note are measured apart.
def wait_until(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.02)


# The announcement's job. The worker's scheduler may queue periodic jobs (digests, retries)
# beside it while the test runs, and PostgreSQL returns rows in no fixed order.
ANNOUNCEMENT_JOB = Job.name == "forum.event_emails"


def job_state() -> str:
    db.session.rollback()  # a fresh snapshot: the worker commits in another process
    return db.session.scalar(select(Job.state).where(ANNOUNCEMENT_JOB))


def announce_to_event_members(app, course) -> list[str]:
    instructor = make_user(Role.INSTRUCTOR)
    learners = [learner_in(course) for _ in range(RECIPIENTS)]
    for learner in learners:
        notification_services.set_email_mode(learner.id, EmailMode.EVENT)
    db.session.commit()
    response = post(
        client_for(app, instructor),
        "/courses/test-course/forum/new",
        {"category": "announcements", "title": "Week 2 starts", "body": "Module 2 is open."},
    )
    assert response.status_code == 302
    return [learner.email for learner in learners]


@pytest.mark.parametrize(
    ("jobs_url", "stop"),
    [
        ("sqlite", signal.SIGKILL),
        ("redis", signal.SIGKILL),
        # A restart's SIGTERM: Huey stops at once, without waiting for the job in flight.
        ("sqlite", signal.SIGTERM),
    ],
    indirect=["jobs_url"],
)
def test_a_worker_stopped_mid_send_loses_and_doubles_nothing(
    app, course, holding_smtp, jobs_url, stop, monkeypatch, tmp_path
):
    inbox, smtp_port = holding_smtp
    monkeypatch.setitem(app.config, "JOBS_URL", jobs_url)  # queued for real workers now
    log = tmp_path / "worker.log"
    emails = announce_to_event_members(app, course)
    assert inbox.messages == []  # no worker yet: the job waits in the queue

    first = start_worker(app, jobs_url, smtp_port, log)
    try:
        wait_until(inbox.holding.is_set, 120, "the worker to reach the held recipient", log)
        assert len(inbox.messages) == HELD_AT - 1
        first.send_signal(stop)
        first.wait(timeout=10)
    finally:
        first.kill()
    killed_at = time.monotonic()
    inbox.release.set()

    second = start_worker(app, jobs_url, smtp_port, log)
    try:
        wait_until(lambda: len(inbox.messages) >= RECIPIENTS, 120, "every email", log)
        recovered_in = time.monotonic() - killed_at
        wait_until(lambda: job_state() == "done", 60, "the job to be marked done", log)
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(timeout=10)
        except subprocess.TimeoutExpired:
            second.kill()

    delivered = Counter(message["To"] for message in inbox.messages)
    assert delivered == Counter(emails), "each member gets exactly one email"
    job = db.session.scalar(select(Job).where(ANNOUNCEMENT_JOB))
    assert job.attempts == 2  # the killed run and the one that finished it
    unsent = select(Notification.id).where(Notification.emailed_at.is_(None))
    assert db.session.scalars(unsent).all() == []
    print(
        f"\n[{jobs_url.split(':')[0]}, {stop.name}] before the stop: {HELD_AT - 1} delivered; after restart: "
        f"{len(inbox.messages) - (HELD_AT - 1)}; total {len(inbox.messages)} of {RECIPIENTS}, "
        f"duplicates {sum(delivered.values()) - len(delivered)}; all delivered "
        f"{recovered_in:.1f} s after the stop (lease {LEASE_SECONDS} s)"
    )
