"""Request helpers shared by the tests: CSRF tokens, posts, login, query counting."""

from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event

from campus.accounts.models import User
from campus.extensions import db
from tests.factories import PASSWORD


def csrf_token_for(client: FlaskClient, app: Flask) -> str:
    """Put a CSRF secret in the client's session and return the matching form token.

    This is what Flask-WTF's generate_csrf() does inside a request.
    """
    raw = "test-csrf-secret-" + str(id(client))
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)


def post(client: FlaskClient, url: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token."""
    app = client.application
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token_for(client, app))
    return client.post(url, data=payload, **kwargs)


def post_json(client: FlaskClient, url: str, body, **kwargs):
    """POST JSON with the CSRF token in the X-CSRFToken header."""
    token = csrf_token_for(client, client.application)
    headers = {"X-CSRFToken": token, **kwargs.pop("headers", {})}
    return client.post(url, json=body, headers=headers, **kwargs)


def login(client: FlaskClient, user: User, password: str = PASSWORD):
    response = post(client, "/account/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def login_url(path: str) -> str:
    """Where an anonymous visitor to path is sent: the login page, coming back after."""
    return "/account/login?next=" + quote(path, safe="")


def login_url_after(method: str, path: str) -> str:
    """Where an anonymous request is sent. A GET comes back to its page; a form POST without
    a Referer to return to goes to the default page after login (a POST-only address would
    answer 405 there)."""
    return login_url(path) if method in ("GET", "HEAD") else "/account/login"


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf_token in the page"
    return match.group(1)


@contextmanager
def count_queries():
    """Count SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def client_for(app, user):
    """A fresh test client signed in as user."""
    client = app.test_client()
    login(client, user)
    return client


def run_due_jobs(app) -> int:
    """As if every retry's wait had passed: make waiting jobs due, then run them here with
    `flask jobs run-due` (the worker's code path, without a worker). The number run, read
    from standard output alone: a failing job's warning goes to standard error, which the
    runner's `output` interleaves with it."""
    from datetime import timedelta

    from sqlalchemy import update

    from campus.jobs.models import Job, JobState
    from campus.models import utcnow

    db.session.execute(
        update(Job)
        .where(Job.state == JobState.PENDING.value)
        .values(run_after=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    ran = re.fullmatch(r"Ran (\d+) job\(s\)\.\n", result.stdout)
    assert ran, result.output
    return int(ran.group(1))
