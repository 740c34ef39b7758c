"""The job queue in the ordinary suite (immediate://: each job runs right after its commit):
outbox rows, retries with doubling waits, the dead-letter page, idempotence under duplicate
delivery, and emails that arrive once a mail-server outage ends. Real worker processes,
killed mid-job, are in test_job_worker.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bench.common import free_port
from campus.accounts.models import Role
from campus.accounts.services import request_password_reset
from campus.audit.models import AuditEntry
from campus.extensions import db
from campus.jobs import queue as job_queue
from campus.jobs import runner
from campus.jobs.models import Job, JobState
from campus.jobs.queue import job_context
from campus.jobs.services import enqueue
from campus.models import utcnow
from community.models import EmailMode, Notification
from community.notifications import services as notification_services
from course.certificates.models import CertificateEvent
from tests.factories import (
    import_ce_course,
    learner_in,
    make_enrollment,
    make_ready_for_certificate,
    make_thread,
    make_user,
)
from tests.helpers import client_for, count_queries, post, run_due_jobs


@pytest.fixture
def mail_down(app, monkeypatch):
    """Point mail at a loopback port nobody listens on (connection refused) until undone."""
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        patch.setitem(app.config, "MAIL_PORT", free_port())
        yield


def only_job() -> Job:
    db.session.expire_all()
    (job,) = db.session.scalars(select(Job)).all()
    return job


def seconds_until(moment: datetime) -> float:
    return (moment - datetime.now(UTC)).total_seconds()


def test_a_rolled_back_change_leaves_no_job_and_a_commit_runs_it(app, smtp_server):
    user = make_user()
    request_password_reset(user)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Job.id))) == 0
    assert smtp_server.messages == []

    request_password_reset(user)
    db.session.commit()
    assert [m["To"] for m in smtp_server.messages] == [user.email]
    job = only_job()
    assert (job.state, job.attempts, job.name, job.args) == (
        "done",
        1,
        "accounts.reset_email",
        [user.id],
    )


def test_work_with_a_key_is_one_job_however_often_it_is_asked_for(app):
    with pytest.raises(ValueError, match="no job is registered"):
        enqueue("no.such.job", 1)
    first = enqueue("forum.event_emails", 0, key="thread-0-once").id
    db.session.commit()
    second = enqueue("forum.event_emails", 0, key="thread-0-once").id
    db.session.commit()
    assert first == second and db.session.scalar(select(func.count(Job.id))) == 1


def test_one_transaction_asking_twice_makes_one_row(app, course):
    thread = make_thread(course, learner_in(course))
    enqueue("forum.event_emails", thread.id)
    enqueue("forum.event_emails", thread.id)
    db.session.commit()
    assert db.session.scalar(select(func.count(Job.id))) == 1


def test_failures_retry_with_doubling_waits_then_land_in_the_dead_letters(
    app, mail_down, monkeypatch
):
    monkeypatch.setitem(app.config, "JOBS_RETRY_DELAY", 10)
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 3)
    request_password_reset(make_user())
    db.session.commit()  # attempt 1 runs now and fails: the mail server refuses

    job = only_job()
    assert (job.state, job.attempts) == ("pending", 1)
    assert 9 < seconds_until(job.run_after) <= 10
    assert "ConnectionRefusedError" in job.last_error
    assert run_due_jobs(app) == 1  # made due and run: attempt 2 fails too
    job = only_job()
    assert (job.state, job.attempts) == ("pending", 2)
    assert 19 < seconds_until(job.run_after) <= 20  # twice the first wait

    assert run_due_jobs(app) == 1
    job = only_job()
    assert (job.state, job.attempts, job.lease_until) == ("dead", 3, None)
    assert job.finished_at is not None
    assert run_due_jobs(app) == 0  # the dead are left alone until an admin retries


def test_the_wait_doubles_up_to_six_hours(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RETRY_DELAY", 30)
    assert [runner.backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert runner.backoff(20) == 6 * 60 * 60


def test_reset_and_certificate_emails_are_sent_after_an_smtp_outage(app, smtp_server, monkeypatch):
    user = make_user()
    course = import_ce_course()
    learner = make_user()
    make_enrollment(learner, course)
    make_ready_for_certificate(learner, course)
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "MAIL_PORT", free_port())  # the outage: refused
        assert post(app.test_client(), "/account/reset", {"email": user.email}).status_code == 302
        claim = post(client_for(app, learner), f"/courses/{course.slug}/certificate")
        assert claim.status_code == 302
        assert run_due_jobs(app) == 2  # still down: both retried, both fail again
    assert smtp_server.messages == []
    assert db.session.scalar(select(func.count(Job.id)).where(Job.attempts == 2)) == 2

    assert run_due_jobs(app) == 2  # the server is back
    reset, certificate = sorted(smtp_server.messages, key=lambda m: m["Subject"])
    assert reset["Subject"] == "Reset your campus password" and reset["To"] == user.email
    link = re.search(r"https?://\S+/account/reset/\S+", reset.get_content()).group(0)
    assert app.test_client().get(link.split("campus.test", 1)[1]).status_code == 200
    assert certificate["To"] == learner.email
    (attachment,) = certificate.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    actions = db.session.scalars(select(CertificateEvent.action).order_by(CertificateEvent.id))
    assert list(actions) == ["issued", "emailed"]

    assert run_due_jobs(app) == 0
    assert len(smtp_server.messages) == 2


def test_a_job_delivered_twice_sends_once(app, course, smtp_server):
    asker, helper = learner_in(course), learner_in(course)
    notification_services.set_email_mode(asker.id, EmailMode.EVENT)
    thread = make_thread(course, asker, title="Chair height")
    db.session.commit()
    post(client_for(app, helper), f"/courses/test-course/forum/t/{thread.id}/reply", {"body": "Hi"})
    assert [m["To"] for m in smtp_server.messages] == [asker.email]
    job = only_job()

    # The queue delivers the same message again (at-least-once), twice.
    job_queue.push([runner.Wakeup(job.id), runner.Wakeup(job.id)], app)
    # A second job for the same thread (another reply's, say) finds nothing unsent.
    enqueue("forum.event_emails", thread.id)
    db.session.commit()
    assert len(smtp_server.messages) == 1
    assert db.session.scalar(select(func.count(Job.id)).where(Job.state == "done")) == 2


def test_a_job_held_by_a_live_worker_is_not_run_by_another(app, course, smtp_server):
    asker = learner_in(course)
    notification_services.set_email_mode(asker.id, EmailMode.EVENT)
    thread = make_thread(course, asker)
    job_id = enqueue("forum.event_emails", thread.id).id
    db.session.execute(update(Job).values(run_after=utcnow() + timedelta(hours=1)))
    db.session.commit()  # not due: the push after this commit runs nothing
    db.session.execute(update(Job).values(run_after=utcnow()))
    db.session.commit()
    with job_context(app):
        assert runner.claim(job_id) is not None  # worker A holds it
    with job_context(app):
        assert runner.run(job_id) is None  # worker B, same message: nothing to do
    assert only_job().state == JobState.RUNNING.value


def test_a_notification_leased_by_another_worker_is_not_sent_twice(app, course, smtp_server):
    from community.notifications.jobs import _claim, send_event_emails

    asker, other = learner_in(course), learner_in(course)
    for user in (asker, other):
        notification_services.set_email_mode(user.id, EmailMode.EVENT)
    thread = make_thread(course, make_user(Role.INSTRUCTOR))
    for user in (asker, other):
        db.session.add(Notification(user_id=user.id, kind="reply", thread_id=thread.id))
    db.session.commit()
    leased = db.session.scalar(select(Notification.id).where(Notification.user_id == asker.id))
    with job_context(app):
        assert _claim([leased]) == {leased}  # another worker is sending this one right now
        assert send_event_emails(thread.id) == 1
    assert [m["To"] for m in smtp_server.messages] == [other.email]


def test_the_sweep_requeues_what_a_dead_worker_or_a_down_queue_left(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 3)
    now = utcnow()
    rows = {
        "never pushed": Job(name="forum.digests", run_after=now - timedelta(minutes=5)),
        "waiting": Job(name="forum.digests", run_after=now + timedelta(minutes=5)),
        "worker died": Job(
            name="forum.digests",
            state="running",
            attempts=1,
            lease_until=now - timedelta(seconds=1),
        ),
        "worker alive": Job(
            name="forum.digests",
            state="running",
            attempts=1,
            lease_until=now + timedelta(seconds=30),
        ),
        "died every time": Job(
            name="forum.digests",
            state="running",
            attempts=3,
            lease_until=now - timedelta(seconds=1),
        ),
        "done": Job(name="forum.digests", state="done", attempts=1, finished_at=now),
        "done long ago": Job(
            name="forum.digests", state="done", attempts=1, finished_at=now - timedelta(days=31)
        ),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    ids = {label: job.id for label, job in rows.items()}

    found = {w.job_id: w.delay for w in runner.sweep()}
    assert set(found) == {ids["never pushed"], ids["worker died"]}
    assert db.session.get(Job, ids["died every time"]).state == "dead"
    assert db.session.get(Job, ids["done long ago"]) is None  # pruned; "done" is kept
    assert db.session.get(Job, ids["done"]) is not None

    at_start = {w.job_id: w.delay for w in runner.sweep(include_leased=True)}
    assert set(at_start) == {ids["never pushed"], ids["worker died"], ids["worker alive"]}
    assert 29 < at_start[ids["worker alive"]] <= 30.1  # woken when its lease ends


def test_periodic_work_is_one_job_per_time_slot(app, tmp_path, monkeypatch):
    """Every consumer's scheduler fires the digests; the slot's key keeps it to one job."""
    monkeypatch.setitem(app.config, "JOBS_URL", f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    huey = job_queue.queue(app)
    tasks = {task.__name__: task for task in huey._registry._periodic_tasks}
    digests = tasks["campus.periodic.forum.digests"]
    assert digests().validate_datetime(datetime(2026, 11, 28, 13, 0))  # FORUM_DIGEST_CRON
    assert not digests().validate_datetime(datetime(2026, 11, 28, 14, 0))
    assert "campus.sweep_jobs" in tasks and "campus.periodic.forum.event_emails" in tasks
    digests().execute()
    digests().execute()
    job = only_job()
    assert job.name == "forum.digests" and job.key.startswith("forum.digests@")
    assert huey.pending_count() == 1  # pushed once, after its commit


# -- the admin's dead-letter page ---------------------------------------------------------


def dead_reset_job(app, monkeypatch) -> Job:
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 1)
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        patch.setitem(app.config, "MAIL_PORT", free_port())
        request_password_reset(make_user(email="dana@example.org"))
        db.session.commit()
    job = only_job()
    assert job.state == "dead"
    return job


def test_an_admin_sees_a_dead_job_and_retries_it(app, smtp_server, monkeypatch):
    job = dead_reset_job(app, monkeypatch)
    admin = make_user(Role.ADMIN)
    client = client_for(app, admin)
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert f"accounts.reset_email({job.args[0]})" in page
    assert "ConnectionRefusedError" in page
    assert f"Retry job {job.id}" in page

    refused = client.post(f"/admin/jobs/{job.id}/retry")  # no CSRF token
    assert refused.status_code == 400 and only_job().state == "dead"

    response = post(client, f"/admin/jobs/{job.id}/retry", follow_redirects=True)
    assert response.status_code == 200
    assert "is queued to run again" in response.get_data(as_text=True)
    assert [m["To"] for m in smtp_server.messages] == ["dana@example.org"]
    assert (only_job().state, only_job().attempts) == ("done", 1)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "job.retry"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "job", job.id)
    assert entry.before == {"state": "dead", "attempts": 1}

    again = post(client, f"/admin/jobs/{job.id}/retry", follow_redirects=True)
    assert "Only a job in the dead-letter list" in again.get_data(as_text=True)
    assert len(smtp_server.messages) == 1
    assert post(client, "/admin/jobs/999999/retry").status_code == 404


def test_the_page_says_when_no_worker_takes_jobs(app):
    client = client_for(app, make_user(Role.ADMIN))
    db.session.add(Job(name="forum.digests", run_after=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert "is <code>flask jobs worker</code> running?" not in client.get("/admin/jobs/").text
    db.session.add(Job(name="forum.digests", run_after=utcnow() - timedelta(minutes=6)))
    db.session.commit()
    assert "1 job(s) have waited more than five minutes" in client.get("/admin/jobs/").text


def test_only_admins_reach_the_job_queue(app, monkeypatch):
    job = dead_reset_job(app, monkeypatch)
    for role in (Role.LEARNER, Role.INSTRUCTOR):
        client = client_for(app, make_user(role))
        assert client.get("/admin/jobs/").status_code == 403
        assert post(client, f"/admin/jobs/{job.id}/retry").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/admin/jobs/").status_code == 302
    assert only_job().state == "dead"
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_the_job_page_costs_the_same_queries_with_many_jobs(app):
    admin = make_user(Role.ADMIN)
    client = client_for(app, admin)

    def add_dead(count: int) -> None:
        for number in range(count):
            db.session.add(
                Job(name="forum.digests", args=[number], state="dead", attempts=8,
                    last_error="OSError: down", finished_at=utcnow())
            )  # fmt: skip
            db.session.add(Job(name="forum.digests", args=[number], attempts=2))
        db.session.commit()

    add_dead(2)
    with count_queries() as few:
        assert client.get("/admin/jobs/").status_code == 200
    add_dead(40)
    with count_queries() as many:
        assert client.get("/admin/jobs/").status_code == 200
    assert len(many) == len(few)
