"""GET /healthz: is the app up, does the database answer, does the rate-limit storage.

It answers within HEALTH_TIMEOUT whatever the database or Redis does: each check runs on a
thread of its own and the answer waits for it at most that long, so a frozen server makes a
check late, never the health answer. One check of each kind runs at a time per process; a
load balancer polling a frozen database gets "timeout" again instead of piling up threads.

503 only when the database is down or silent: without it no page works. Redis down is 200,
"degraded": rate limits count in each process's memory until it is back, and every instance
shares the same Redis, so taking this one out of rotation would help no one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from campus.extensions import db, limiter

bp = Blueprint("health", __name__)

HEALTH_TIMEOUT = 0.7  # seconds the answer waits for both checks together


class Check:
    """One kind of check, run on a worker thread, at most one at a time; an answer less than
    FRESH seconds old is given again (a busy machine's slow check still answers the next
    poll, and a load balancer polling fast costs the database one query a second)."""

    FRESH = 1.0
    _executor: ThreadPoolExecutor | None = None
    _executor_lock = threading.Lock()

    def __init__(self, run: Callable[[], str]):
        self._run = run
        self._lock = threading.Lock()
        self._running: Future | None = None
        self._last: tuple[float, str] | None = None  # (monotonic time, answer)

    @classmethod
    def _pool(cls) -> ThreadPoolExecutor:
        with cls._executor_lock:
            if cls._executor is None:
                cls._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")
            return cls._executor

    def start(self, app: Flask) -> Future:
        """A fresh answer, the check in flight (a frozen one from an earlier poll), or a new one."""
        with self._lock:
            if self._last is not None and time.monotonic() - self._last[0] < self.FRESH:
                done: Future = Future()
                done.set_result(self._last[1])
                return done
            if self._running is None or self._running.done():
                self._running = self._pool().submit(self._in_context, app)
            return self._running

    def _in_context(self, app: Flask) -> str:
        with app.app_context():
            answer = self._run()
        self._last = (time.monotonic(), answer)
        return answer


def _database() -> str:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "unavailable"; the answer says so
        return "unavailable"
    return "ok"


def _rate_limit_storage() -> str:
    """Redis: ok or unavailable; "memory" when limits are kept in memory by design, and
    "disabled" when rate limits are switched off (RATELIMIT_ENABLED=0: no storage at all)."""
    if not limiter.enabled:
        return "disabled"
    if limiter.storage.__class__.__name__ == "MemoryStorage":
        return "memory"
    return "ok" if limiter.storage.check() else "unavailable"


def _checks(app: Flask) -> dict[str, Check]:
    """This app's checks (each app, a test's among them, remembers its own answers)."""
    checks = app.extensions.get("campus_health")
    if checks is None:
        checks = {"database": Check(_database), "redis": Check(_rate_limit_storage)}
        app.extensions["campus_health"] = checks
    return checks


def _wait(future: Future, deadline: float) -> str:
    remaining = max(0.0, deadline - time.monotonic())
    try:
        return future.result(timeout=remaining)
    except TimeoutError:
        return "timeout"


@bp.get("/healthz")
@limiter.exempt
def healthz():
    app = current_app._get_current_object()
    deadline = time.monotonic() + HEALTH_TIMEOUT
    running = {name: check.start(app) for name, check in _checks(app).items()}
    answer = {name: _wait(future, deadline) for name, future in running.items()}
    if answer["redis"] not in ("memory", "disabled"):
        answer["rate_limits"] = "in-memory fallback" if limiter.counts_in_memory else "shared"
    database_up = answer["database"] == "ok"
    redis_up = answer["redis"] in ("ok", "memory", "disabled")
    answer["status"] = "ok" if database_up and redis_up else "degraded"
    if not database_up:
        answer["status"] = "unavailable"
    return jsonify(answer), 200 if database_up else 503
