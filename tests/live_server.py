"""Run the app under gunicorn on a free loopback port, on the same database as the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import _TMP, TEST_SECRET_KEY, database_url
from tests.helpers import FIXTURE_CONTENT

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(extra: dict | None = None) -> dict:
    env = {
        **os.environ,
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url(),
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "MAIL_DIR": str(_TMP / "mail"),
        "SECURE_COOKIES": "0",
        "FLASK_DEBUG": "0",
    }
    env.update(extra or {})
    return env


def start_gunicorn(env: dict, workers: int = 2) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "campus:create_app()",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
