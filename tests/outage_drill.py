"""Outage drills against a live app (gunicorn) on the test's own PostgreSQL and Redis.

Player-like clients send progress beats the way static/js/progress.js does (queued, one at
a time, in order; a beat answered 5xx or 429, or not at all, stays queued and is sent again),
a watcher fetches a signed-in page and /healthz, and a fault is injected and removed. The drill
returns what happened: statuses seen during the fault, seconds until beats were credited again,
seconds lost or doubled, health answers and the server's log. Used by tests/campus/test_outages.py
and printed by bench/outage_figures.py.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

from bench.common import start_gunicorn, stop_gunicorn
from tests.factories import FIXTURE_CONTENT, PASSWORD

LESSON_SECONDS = 3600  # the drill's lesson is long enough for every beat it sends
BEAT_EVERY = 0.1  # seconds between beats, each claiming one more second of the video
RETRY_EVERY = 0.2  # the real player backs off 1-30 s; the drill measures the server's recovery


@dataclass
class Answer:
    at: float  # monotonic time the request was sent
    status: int | None  # None: no HTTP answer (connection refused or reset)
    seconds: float
    retry_after: str | None = None
    body: bytes = b""


class Browser:
    """Cookies and a fresh loopback connection per request (as a browser after an error)."""

    def __init__(self, base: str):
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers=None, timeout=15.0) -> Answer:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            return Answer(started, None, time.monotonic() - started)
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Answer(
            started,
            response.status,
            time.monotonic() - started,
            response.headers.get("Retry-After"),
            payload,
        )

    def log_in(self, email: str, password: str = PASSWORD) -> int:
        """The login form, then its POST: the status of the POST (302 when signed in)."""
        page = self.request("GET", "/account/login").body.decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", "/account/login", form.encode(), headers).status

    def post_json(self, path: str, body: dict, token: str) -> Answer:
        headers = {"Content-Type": "application/json", "X-CSRFToken": token}
        return self.request("POST", path, json.dumps(body).encode(), headers)


class Player(threading.Thread):
    """One learner playing a lesson: a beat every BEAT_EVERY s of one more second of video,
    sent in order, kept and retried until the server answers 2xx."""

    def __init__(
        self,
        base: str,
        email: str,
        lesson_id: int,
        backdate: Callable[[int], None],
        beat_every: float = BEAT_EVERY,
    ):
        super().__init__(daemon=True)
        self.beat_every = beat_every
        self.browser = Browser(base)
        self.lesson_id = lesson_id
        assert self.browser.log_in(email) == 302
        token = self.browser.request("GET", "/api/progress/token").body
        self.token = json.loads(token)["csrf_token"]
        opened = self.browser.post_json(f"/api/lessons/{lesson_id}/sessions", {}, self.token)
        assert opened.status == 201, opened.body
        self.session = json.loads(opened.body)["session"]
        backdate(self.session)  # an hour of wall clock: the drill plays faster than 1x
        self.queue: list[dict] = []
        self.answers: list[Answer] = []
        self.claimed = 0  # seconds of video put in beats
        self.stop_playing = threading.Event()
        self.drain_until = 0.0

    def _cut_beat(self) -> None:
        second = self.claimed
        self.claimed += 1
        self.queue.append(
            {"session": self.session, "seq": second + 1, "intervals": [[second, second + 1]],
             "position": second + 1, "rate": 1}
        )  # fmt: skip

    def run(self) -> None:
        path = f"/api/lessons/{self.lesson_id}/progress"
        next_beat = time.monotonic()
        while True:
            now = time.monotonic()
            if not self.stop_playing.is_set() and now >= next_beat:
                while next_beat <= now:  # beats cut while a send was blocked, as the player does
                    self._cut_beat()
                    next_beat += self.beat_every
            if not self.queue:
                if self.stop_playing.is_set():
                    return
                time.sleep(0.01)
                continue
            if self.stop_playing.is_set() and now > self.drain_until:
                return
            answer = self.browser.post_json(path, self.queue[0], self.token)
            self.answers.append(answer)
            if answer.status is not None and 200 <= answer.status < 300:
                self.queue.pop(0)
            elif answer.status in (None, 429) or answer.status >= 500:
                time.sleep(RETRY_EVERY)
            else:
                self.queue.pop(0)  # refused for good (the player drops it with a warning)


class Watcher(threading.Thread):
    """One address fetched over and over while the drill runs (a signed-in page, /healthz)."""

    def __init__(self, base: str, path: str, email: str | None = None):
        super().__init__(daemon=True)
        self.browser = Browser(base)
        if email:
            assert self.browser.log_in(email) == 302
        self.path = path
        self.answers: list[Answer] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.answers.append(self.browser.request("GET", self.path, timeout=10))
            time.sleep(0.2)


@dataclass
class Drill:
    """What one outage drill saw."""

    name: str
    fault_seconds: float
    during: Counter = field(default_factory=Counter)  # beat statuses from fault to recovery
    missing_retry_after: int = 0  # 503s without Retry-After
    recovery_seconds: float | None = None  # fault removed -> first credited beat
    sent_seconds: int = 0
    credited_seconds: float = 0.0  # coverage, summed over learners
    ledger_seconds: float = 0.0  # time_on_task.credited_seconds
    real_seconds: float = 0.0  # time_on_task.real_seconds
    pages: Counter = field(default_factory=Counter)  # signed-in page statuses during the fault
    page_is_campus_503: bool = True
    health: Counter = field(default_factory=Counter)
    slowest_health: float = 0.0
    slowest_health_before: float = 0.0  # the same machine's load, with the database up
    health_bodies: list = field(default_factory=list)
    log_lines: list = field(default_factory=list)
    undrained: int = 0
    every_status: Counter = field(default_factory=Counter)  # all beats, the whole drill

    @property
    def lost_seconds(self) -> float:
        """Seconds sent and never credited, once every queue is empty (none left to send)."""
        return self.sent_seconds - self.credited_seconds

    def report(self) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.during.items(), key=str))
        pages = ", ".join(f"{k}: {v}" for k, v in sorted(self.pages.items(), key=str))
        health = ", ".join(f"{k}: {v}" for k, v in sorted(self.health.items(), key=str))
        tracebacks = sum("Traceback" in line for line in self.log_lines)
        recovery = "-" if self.recovery_seconds is None else f"{self.recovery_seconds:.2f} s"
        return (
            f"{self.name} ({self.fault_seconds:g} s): beats during the fault {{{statuses}}}; "
            f"recovered {recovery} after the fault ended; seconds sent {self.sent_seconds}, "
            f"credited {self.credited_seconds:g} (ledger {self.ledger_seconds:g}, real "
            f"{self.real_seconds:g}), lost {self.lost_seconds:g}, left queued {self.undrained}; "
            f"signed-in page {{{pages}}}; "
            f"healthz {{{health}}} slowest {self.slowest_health:.2f} s (before the fault "
            f"{self.slowest_health_before:.2f} s); log {len(self.log_lines)} "
            f"lines, {tracebacks} tracebacks"
        )


def server_env(database_url: str, extra: dict | None = None) -> dict:
    from tests.conftest import _TMP, TEST_SECRET_KEY

    return {
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "MAIL_DIR": str(_TMP / "mail"),
        "SECURE_COOKIES": "0",
        "FLASK_DEBUG": "0",
        "PUBLIC_BASE_URL": "http://campus.test",
        "RATELIMIT_SINGLE_PROCESS": "1",
        "PROGRESS_RATE_LIMIT": "100000 per minute",
        "PROGRESS_SESSION_RATE_LIMIT": "1000 per hour",
        # Short timeouts, so a frozen database is seen (and the drill ends) within seconds.
        "DATABASE_CONNECT_TIMEOUT": "2",
        "DATABASE_STATEMENT_TIMEOUT": "1",
        "DATABASE_LOCK_TIMEOUT": "1",
        **(extra or {}),
    }


class Site:
    """The app's database schema and drill data on a database of the test's own."""

    def __init__(self, database_url: str):
        from flask_migrate import upgrade

        from campus import create_app
        from tests.conftest import app_settings

        self.app = create_app({**app_settings(), "SQLALCHEMY_DATABASE_URI": database_url})
        with self.app.app_context():
            upgrade()
            self.course_id, self.lesson_id = self._seed()

    def _seed(self) -> tuple[int, int]:
        from sqlalchemy import select

        from campus.extensions import db
        from course.models import Lesson
        from tests.factories import import_fixture_course

        course = import_fixture_course()
        lesson = db.session.scalars(
            select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
        ).first()
        lesson.duration_seconds = LESSON_SECONDS
        db.session.commit()
        return course.id, lesson.id

    def new_learners(self, count: int) -> list[str]:
        """Emails of learners enrolled just now: each drill's credit starts from nothing."""
        from campus.extensions import db
        from course.models import Course
        from tests.factories import make_enrollment, make_user

        with self.app.app_context():
            course = db.session.get(Course, self.course_id)
            users = [make_user() for _ in range(count)]
            for user in users:
                make_enrollment(user, course)
            emails = [user.email for user in users]
            db.session.remove()
            return emails

    def backdate(self, session_id: int) -> None:
        from campus.extensions import db
        from campus.models import utcnow
        from course.progress.models import ViewingSession

        with self.app.app_context():
            session = db.session.get(ViewingSession, session_id)
            session.started_at = utcnow() - timedelta(hours=1)
            db.session.commit()

    def credited(self, emails: list[str]) -> tuple[float, float, float]:
        """(coverage, ledger credited, ledger real) seconds of these learners."""
        from sqlalchemy import func, select

        from campus.accounts.models import User
        from campus.extensions import db
        from course.progress.models import LessonProgress, TimeOnTask

        with self.app.app_context():
            users = select(User.id).where(User.email.in_(emails)).scalar_subquery()
            coverage = db.session.scalar(
                select(func.sum(LessonProgress.watched_seconds)).where(
                    LessonProgress.user_id.in_(users)
                )
            )
            ledger = db.session.execute(
                select(
                    func.sum(TimeOnTask.credited_seconds), func.sum(TimeOnTask.real_seconds)
                ).where(TimeOnTask.user_id.in_(users))
            ).one()
            db.session.remove()
            return float(coverage or 0), float(ledger[0] or 0), float(ledger[1] or 0)

    def close(self) -> None:
        from campus.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def run_drill(
    name: str,
    site: Site,
    env: dict,
    fault: Callable[[], None],
    repair: Callable[[], None],
    log_path: Path,
    *,
    players: int = 3,
    before: float = 1.5,
    fault_seconds: float = 3.0,
    after: float = 2.0,
    drain: float = 40.0,
    during_fault: Callable[[str], None] | None = None,
    workers: int = 2,
    threads: int = 8,
    beat_every: float = BEAT_EVERY,
) -> Drill:
    """Beats flow; fault(); fault_seconds later repair(); beats flow on, then drain.

    The server has more threads than the drill has clients (five): until the first answer
    deadline passes, a frozen database holds every request that reached it, and /healthz
    answers within a second only if a thread is free for it (production: more threads than
    requests that may wait on the database at once; the README says so)."""
    emails = site.new_learners(players + 1)
    process, base = start_gunicorn(
        "campus:create_app()", env, workers=workers, threads=threads, log_path=log_path
    )
    try:
        crew = [
            Player(base, email, site.lesson_id, site.backdate, beat_every)
            for email in emails[:players]
        ]
        watcher = Watcher(base, "/dashboard", emails[players])
        health = Watcher(base, "/healthz")
        log_start = log_path.stat().st_size
        for thread in (*crew, watcher, health):
            thread.start()
        time.sleep(before)
        fault_at = time.monotonic()
        fault()
        if during_fault:
            during_fault(base)
        time.sleep(max(0.0, fault_seconds - (time.monotonic() - fault_at)))
        repair()
        repaired_at = time.monotonic()
        time.sleep(after)
        for player in crew:
            player.drain_until = time.monotonic() + drain
            player.stop_playing.set()
        for player in crew:
            player.join(drain + 20)
        for thread in (watcher, health):
            thread.stop.set()
            thread.join(15)
    finally:
        stop_gunicorn(process)
    drill = Drill(name, fault_seconds)
    answers = sorted((a for p in crew for a in p.answers), key=lambda a: a.at)
    ok_after = [a.at for a in answers if a.at >= repaired_at and a.status == 200]
    recovered_at = min(ok_after) if ok_after else None
    end = recovered_at or time.monotonic()
    if recovered_at is not None:
        drill.recovery_seconds = max(0.0, recovered_at - repaired_at)
    during = [a for a in answers if fault_at <= a.at < end]
    drill.during = Counter(a.status for a in during)
    drill.every_status = Counter(a.status for a in answers)
    drill.missing_retry_after = sum(a.status == 503 and not a.retry_after for a in during)
    drill.sent_seconds = sum(p.claimed for p in crew)
    drill.undrained = sum(len(p.queue) for p in crew)
    drill.credited_seconds, drill.ledger_seconds, drill.real_seconds = site.credited(emails)
    pages = [a for a in watcher.answers if fault_at <= a.at < end]
    drill.pages = Counter(a.status for a in pages)
    drill.page_is_campus_503 = all(b"Back in a moment" in a.body for a in pages if a.status == 503)
    healths = [a for a in health.answers if fault_at <= a.at < repaired_at]
    drill.health = Counter(a.status for a in healths)
    drill.slowest_health = max((a.seconds for a in healths), default=0.0)
    drill.slowest_health_before = max(
        (a.seconds for a in health.answers if a.at < fault_at), default=0.0
    )
    drill.health_bodies = [a.body for a in healths]
    with log_path.open() as log:
        log.seek(log_start)
        drill.log_lines = [line.rstrip("\n") for line in log]
    return drill
