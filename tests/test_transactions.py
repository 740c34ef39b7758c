"""One commit per request that changes state, none for a page view: the busiest POSTs,
counted. Jobs (emails), run once the response is sent, own their transactions and are not counted."""

from __future__ import annotations

from contextlib import contextmanager

from flask import request_started, request_tearing_down
from sqlalchemy import event

from campus.accounts.models import Role
from campus.extensions import db
from tests.course.ce_helpers import submit_evaluation, take_posttest
from tests.course.progress_helpers import beat, open_session
from tests.factories import (
    complete_lessons,
    import_ce_course,
    lesson_named,
    make_enrollment,
    make_thread,
    make_user,
)
from tests.helpers import login, post


@contextmanager
def commits_per_request(app):
    """The number of COMMITs each request made between its start and its teardown."""
    counts: list[int] = []
    inside = [False]

    def started(sender, **extra):
        counts.append(0)
        inside[0] = True

    def finished(sender, **extra):
        inside[0] = False

    def committed(connection):
        if inside[0]:
            counts[-1] += 1

    request_started.connect(started, app)
    request_tearing_down.connect(finished, app)
    # The engine's "commit" event: real COMMITs only (a SAVEPOINT release is not one).
    event.listen(db.engine, "commit", committed)
    try:
        yield counts
    finally:
        event.remove(db.engine, "commit", committed)
        request_started.disconnect(started, app)
        request_tearing_down.disconnect(finished, app)


def _count(app, action) -> int:
    with commits_per_request(app) as counts:
        response = action()
    assert response.status_code < 400, response.get_data(as_text=True)[:300]
    assert len(counts) == 1
    return counts[0]


def test_the_busiest_requests_commit_once_and_pages_never(app, client):
    course = import_ce_course()
    learner = make_user(name="Jordan Ellis")
    make_enrollment(learner, course)
    login(client, learner)
    lesson = lesson_named(course, "first-lesson")
    session_id = open_session(client, lesson, seconds_ago=30)

    heartbeat = _count(app, lambda: beat(client, lesson, session_id, [[0, 4]]))
    instructor = make_user(Role.INSTRUCTOR)
    thread = make_thread(course, instructor, slug="problem-solving")
    thread_url = f"/courses/{course.slug}/forum/t/{thread.id}"
    reply = _count(app, lambda: post(client, thread_url + "/reply", {"body": "Thank you"}))
    reader = app.test_client()
    login(reader, instructor)  # the learner's reply is new to the instructor
    page_view = _count(app, lambda: reader.get(thread_url))
    finisher = make_user(name="Sam Rivera")
    make_enrollment(finisher, course)
    finisher_client = app.test_client()
    login(finisher_client, finisher)
    complete_lessons(finisher, course)
    take_posttest(finisher_client, course, right=5)
    evaluation = _count(app, lambda: submit_evaluation(finisher_client, course))

    # The evaluation POST saves the answers and issues the certificate in one transaction
    # (it committed three times before: answers, certificate, "emailed" record).
    assert (heartbeat, reply, evaluation) == (1, 1, 1)
    assert page_view == 0
    assert _count(app, lambda: client.get(f"/courses/{course.slug}")) == 0
