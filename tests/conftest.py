"""Fixtures: one app and schema per run (SQLite, or PostgreSQL via TEST_DATABASE_URL),
emptied between tests; a test client; a live gunicorn server for browser tests."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from campus import create_app
from campus.extensions import db, limiter
from tests.factories import FIXTURE_CONTENT

pytest_plugins = ["tests.smtp_server", "tests.s3_server"]

# The property tests check correctness; speed is measured in bench/. Hypothesis's default
# 200 ms deadline per example would fail them on a busy CI machine for no fault of the code.
settings.register_profile("campus", deadline=None)
settings.load_profile("campus")

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough"
_TMP = Path(tempfile.mkdtemp(prefix="campus-tests-"))


def database_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.sqlite3'}"


def app_settings() -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "MAIL_DIR": str(_TMP / "mail"),
        "STORAGE_DIR": str(_TMP / "storage"),
        "MAIL_SERVER": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "campus.test",
        # Each job runs right after the commit that queued it, in its own context; the
        # worker, SQLite and Redis queues have their own tests (tests/campus/jobs/).
        "JOBS_URL": "immediate://",
        "JOBS_QUEUE_NAME": f"campus-test-{os.getpid()}",
        "JOBS_RETRY_DELAY": 1,
        "JOBS_LEASE_SECONDS": 2,
    }


def _drop_everything() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


class FreshContextClient(FlaskClient):
    """Runs every request in its own app context, as a real server does.

    The tests hold an app context for database access; without this, requests would
    share its ``g`` (and Flask-Login's cached user) and its database session. Like a real
    server, it reads the whole body and then closes the response.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response


@pytest.fixture(scope="session")
def app():
    """The app, with the schema built by running every migration from empty."""
    from flask_migrate import upgrade

    application = create_app(app_settings())
    application.test_client_class = FreshContextClient
    with application.app_context():
        _drop_everything()
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_tables(attempts: int = 3) -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    try:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                db.session.execute(table.delete())
        db.session.commit()
    except OperationalError:
        # A browser test's closing page may still be sending a progress beacon to the
        # live server; PostgreSQL can pick the TRUNCATE as a deadlock victim. Try again.
        db.session.rollback()
        if attempts <= 1:
            raise
        time.sleep(0.5)
        _empty_tables(attempts - 1)


@pytest.fixture(scope="session")
def _limiter_as_bound(app) -> dict:
    """The shared limiter as the test app bound it. Every create_app binds the one
    module-level limiter again, and Flask-Limiter keeps some of a later app's choices (its
    in-memory fallback, once on, stays on), so a test that builds an app would otherwise
    hand its limiter to the tests after it."""
    return _copied(limiter.__dict__)


def _copied(state: dict) -> dict:
    """Its own copy of each option dict and list that a later init_app updates in place."""
    return {
        name: copy.copy(value) if isinstance(value, dict | list | set) else value
        for name, value in state.items()
    }


def _rebind(shared, state: dict) -> None:
    shared.__dict__.clear()
    shared.__dict__.update(_copied(state))


@pytest.fixture(autouse=True)
def _clean_state(request, app, _limiter_as_bound):
    """Each test starts with empty tables, the test app's rate limiter, fresh, and an app
    context, and leaves the limiter as the test app bound it."""
    _rebind(limiter, _limiter_as_bound)
    with app.app_context():
        limiter.reset()
        yield
        _rebind(limiter, _limiter_as_bound)
        db.session.rollback()
        _empty_tables()
        db.session.remove()
        shutil.rmtree(app.config["STORAGE_DIR"], ignore_errors=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def course(app):
    from tests.factories import import_fixture_course

    return import_fixture_course()
