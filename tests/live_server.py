"""Run the app under gunicorn on a free loopback port, on the same database as the tests.

The launcher itself is bench.common's, so tests and benchmarks serve the app alike."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import bench.common
from tests.conftest import _TMP, TEST_SECRET_KEY, database_url
from tests.factories import FIXTURE_CONTENT

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def server_env(extra: dict | None = None) -> dict:
    env = {
        **os.environ,
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url(),
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "MAIL_DIR": str(_TMP / "mail"),
        "STORAGE_DIR": str(_TMP / "storage"),
        "SECURE_COOKIES": "0",
        "FLASK_DEBUG": "0",
        "PUBLIC_BASE_URL": "http://campus.test",
        # In-memory limits per worker are fine for these short-lived test servers.
        "RATELIMIT_SINGLE_PROCESS": "1",
        # Jobs (emails) run in the server process right after their commit, as in the suite.
        "JOBS_URL": "immediate://",
    }
    env.update(extra or {})
    return env


def start_gunicorn(env: dict, workers: int = 2) -> tuple[subprocess.Popen, str]:
    """The app under gunicorn on a free loopback port, as the benchmarks run it."""
    return bench.common.start_gunicorn("campus:create_app()", env, workers=workers, threads=4)
