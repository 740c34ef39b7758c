"""Factories and request helpers shared by the tests (plain make_* functions)."""

from __future__ import annotations

import itertools
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, select

from campus.accounts.models import Role, User
from campus.enrollment.models import Enrollment
from campus.extensions import db

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(
    role: Role | str = Role.LEARNER,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> User:
    number = next(_counter)
    user = User(
        email=email or f"user{number}@example.com",
        full_name=name or f"Test User {number}",
        role=Role(role).value,
    )
    user.password_hash = _password_hash(password)
    db.session.add(user)
    db.session.commit()
    return user


@lru_cache(maxsize=8)
def _password_hash(password: str) -> str:
    """Hash each test password once; scrypt is slow on purpose."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


def import_fixture_course(slug: str = "test-course", content_dir: Path = FIXTURE_CONTENT):
    from course.importer.sync_course import import_course
    from course.models import Course

    import_course(content_dir / slug)
    db.session.commit()
    return db.session.scalar(select(Course).where(Course.slug == slug))


def make_enrollment(user: User, course) -> Enrollment:
    enrollment = Enrollment(user_id=user.id, course_id=course.id)
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


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
