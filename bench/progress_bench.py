"""Heartbeat benchmark: seed 1,000 learners x 25 lessons of progress, serve the app with
gunicorn, send heartbeats from many concurrent simulated learners for a fixed time, and
print heartbeats/s, latency percentiles, errors, whether the credited seconds add up to
exactly what was sent, and a bare Flask endpoint's throughput under the same server.

    python bench/progress_bench.py                      # SQLite in a temporary directory
    python bench/progress_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/db
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
    bench_env,
    json_request,
    run_load,
    start_gunicorn,
    stop_gunicorn,
)

LESSON_SECONDS = 1200.0
BEAT_SECONDS = 2.0
RETRY_EVERY = 10  # every 10th heartbeat repeats the previous one, as a client retry would


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--lessons", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=30.0, help="load time per run (≤ 60)")
    parser.add_argument("--concurrency", type=int, default=32, help="simulated learners at once")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    return parser.parse_args()


def make_app(database_url: str, secret: str, content_dir: str):
    from campus import create_app

    # As the served app (SECURE_COOKIES=0 on plain-HTTP loopback): otherwise the cookies
    # signed here are named __Host-session and the server never reads them.
    os.environ["SECURE_COOKIES"] = "0"

    return create_app(
        {
            "SECRET_KEY": secret,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CONTENT_DIR": content_dir,
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "http://campus.test",
            # As the served app (SECURE_COOKIES=0): the crafted cookie must carry its name,
            # not the __Host- one a Secure configuration would give it.
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
        }
    )


def rebuild_schema(app) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from campus.extensions import db

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


def seed(app, learners: int, lessons: int, rng: random.Random) -> list[dict]:
    """Insert the course, learners, enrollments, 25 progress rows per learner, a day of
    ledger, and three open viewing sessions per learner; return the sessions to drive."""
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from campus.accounts.models import User
    from campus.enrollment.models import Enrollment
    from campus.extensions import db
    from course.models import Course, Lesson, Module
    from course.progress.models import LessonProgress, TimeOnTask, ViewingSession

    now = datetime.now(UTC)
    with app.app_context():
        course = Course(slug="bench", title="Bench course")
        db.session.add(course)
        db.session.flush()
        module = Module(course_id=course.id, slug="m", title="Module")
        db.session.add(module)
        db.session.flush()
        lesson_ids = []
        for index in range(lessons):
            lesson = Lesson(
                course_id=course.id,
                module_id=module.id,
                slug=f"l{index}",
                title=f"Lesson {index}",
                position=index,
                duration_seconds=LESSON_SECONDS,
            )
            db.session.add(lesson)
            db.session.flush()
            lesson_ids.append(lesson.id)
        password = generate_password_hash("bench password not used")
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"learner{i}@bench.test",
                    "full_name": f"Learner {i}",
                    "password_hash": password,
                    "role": "learner",
                    "session_token": secrets.token_hex(12),
                    "is_disabled": False,
                    "created_at": now,
                }
                for i in range(learners)
            ],
        )
        users = db.session.execute(select(User.id, User.session_token).order_by(User.id)).all()
        db.session.execute(
            insert(Enrollment),
            [
                {"user_id": uid, "course_id": course.id, "status": "active", "enrolled_at": now}
                for uid, _ in users
            ],
        )
        watched = {
            (uid, lid): float(rng.randrange(0, 600)) for uid, _ in users for lid in lesson_ids
        }
        db.session.execute(
            insert(LessonProgress),
            [
                {
                    "user_id": uid,
                    "lesson_id": lid,
                    "course_id": course.id,
                    "watched_intervals": [[0.0, s]] if s else [],
                    "watched_seconds": s,
                    "position_seconds": s,
                    "created_at": now,
                    "updated_at": now,
                }
                for (uid, lid), s in watched.items()
            ],
        )
        db.session.execute(
            insert(TimeOnTask),
            [
                {
                    "user_id": uid,
                    "lesson_id": lid,
                    "course_id": course.id,
                    "day": (now - timedelta(days=1)).date(),
                    "credited_seconds": s,
                }
                for (uid, lid), s in watched.items()
                if s
            ],
        )
        started = now - timedelta(hours=2)
        chosen = {uid: rng.sample(lesson_ids, 3) for uid, _ in users}
        db.session.execute(
            insert(ViewingSession),
            [
                {
                    "user_id": uid,
                    "lesson_id": lid,
                    "started_at": started,
                    "last_sequence": 0,
                    "credited_seconds": 0.0,
                }
                for uid, lids in chosen.items()
                for lid in lids
            ],
        )
        rows = db.session.execute(
            select(ViewingSession.id, ViewingSession.user_id, ViewingSession.lesson_id)
        ).all()
        db.session.commit()
        tokens = dict(users)
        return [
            {
                "session": sid,
                "user_id": uid,
                "lesson_id": lid,
                "token": tokens[uid],
                "cursor": watched[(uid, lid)],
                "seq": 0,
            }
            for sid, uid, lid in rows
        ]


def add_credentials(app, slots: list[dict]) -> None:
    """Signed session cookies and CSRF tokens, as a logged-in browser would hold."""
    from itsdangerous import URLSafeTimedSerializer

    with app.test_request_context():
        signer = app.session_interface.get_signing_serializer(app)
        csrf = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        signed_in_at = int(time.time())
        for slot in slots:
            raw = secrets.token_hex(16)
            cookie = signer.dumps(
                {
                    "_user_id": f"{slot['user_id']}:{slot['token']}",
                    "_fresh": False,
                    "csrf_token": raw,
                    # The session clock a sign-in starts (campus.accounts.auth): without it
                    # every beat would rewrite the cookie, which a browser's beats do not
                    # (it keeps the cookie, rewritten once a minute; a run is shorter).
                    "_auth_at": signed_in_at,
                    "_seen_at": signed_in_at,
                }
            )
            slot["headers"] = {"Cookie": f"{cookie_name}={cookie}", "X-CSRFToken": csrf.dumps(raw)}


def totals(app) -> tuple[float, float]:
    from sqlalchemy import func, select

    from campus.extensions import db
    from course.progress.models import LessonProgress, TimeOnTask

    with app.app_context():
        ledger = db.session.scalar(select(func.sum(TimeOnTask.credited_seconds))) or 0.0
        watched = db.session.scalar(select(func.sum(LessonProgress.watched_seconds))) or 0.0
        db.session.remove()
        db.engine.dispose()
        return float(ledger), float(watched)


def make_heartbeat(state: dict):
    slots = state["slots"]
    for _ in range(len(slots)):
        slot = slots[state["i"] % len(slots)]
        state["i"] += 1
        if slot["cursor"] + BEAT_SECONDS <= LESSON_SECONDS:
            break
    else:
        return None
    state["beats"] = state.get("beats", 0) + 1
    retry = state["beats"] % RETRY_EVERY == 0 and slot.get("last")
    if not retry:
        start = slot["cursor"]
        slot["cursor"] += BEAT_SECONDS
        slot["seq"] += 1
        slot["last"] = {
            "session": slot["session"],
            "seq": slot["seq"],
            "rate": 1.0,
            "intervals": [[start, start + BEAT_SECONDS]],
            "position": slot["cursor"],
        }
    state["pending_new"] = 0.0 if retry else BEAT_SECONDS
    return json_request(f"/api/lessons/{slot['lesson_id']}/progress", slot["last"], slot["headers"])


def count_credit(state: dict, request, status: int, payload: bytes) -> None:
    report = state.setdefault("report", {"sent_new": 0.0, "credited": 0.0})
    if status == 200:
        report["sent_new"] += state["pending_new"]
        report["credited"] += json.loads(payload)["credited_seconds"]


def make_bare(state: dict):
    body = {"session": 1, "seq": 1, "rate": 1.0, "intervals": [[0.0, 2.0]], "position": 2.0}
    return json_request("/beat", body)


def thread_states(slots: list[dict], concurrency: int, rng: random.Random) -> list[dict]:
    rng.shuffle(slots)
    by_user: dict[int, list[dict]] = {}
    for slot in slots:  # one learner's slots stay in one thread: its beats come in order
        by_user.setdefault(slot["user_id"], []).append(slot)
    states = [{"slots": [], "i": 0} for _ in range(concurrency)]
    for index, user_slots in enumerate(by_user.values()):
        states[index % concurrency]["slots"].extend(user_slots)
    return states


def main() -> None:
    args = parse_args()
    rng = random.Random(20261122)
    tmp = Path(tempfile.mkdtemp(prefix="campus-bench-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    secret = secrets.token_hex(32)
    app = make_app(database_url, secret, str(tmp))
    print(
        f"database: {database_url.split(':')[0]}; "
        f"gunicorn {GUNICORN_WORKERS} workers x {GUNICORN_THREADS} threads (gthread); "
        f"{args.concurrency} simulated learners; {args.seconds:.0f} s per run; "
        f"{os.cpu_count()} CPUs (shared)"
    )
    began = time.monotonic()
    rebuild_schema(app)
    slots = seed(app, args.learners, args.lessons, rng)
    add_credentials(app, slots)
    before = totals(app)
    print(
        f"seeded {args.learners} learners x {args.lessons} lessons of progress, "
        f"{len(slots)} open viewing sessions in {time.monotonic() - began:.1f} s"
    )

    env = bench_env(secret, database_url, tmp)
    server, url = start_gunicorn("campus:create_app()", env)
    try:
        result = run_load(
            url,
            args.seconds,
            thread_states(slots, args.concurrency, rng),
            make_heartbeat,
            count_credit,
            processes=args.processes,
        )
    finally:
        stop_gunicorn(server)
    after = totals(app)
    sent = sum(r.get("sent_new", 0.0) for r in result.extra["reports"])
    reported = sum(r.get("credited", 0.0) for r in result.extra["reports"])
    ledger_delta, watched_delta = after[0] - before[0], after[1] - before[1]
    exact = abs(ledger_delta - sent) < 1e-6 and abs(watched_delta - sent) < 1e-6
    print(f"heartbeats: {result.summary()}")
    if result.error_samples:
        print("  error samples:", result.error_samples[:3])
    print(
        f"credited check: sent {sent:.0f} new seconds; server answered {reported:.0f}; "
        f"ledger grew {ledger_delta:.0f}; watched grew {watched_delta:.0f} -> "
        f"{'EXACT' if exact else 'MISMATCH'}"
    )

    bare_server, bare_url = start_gunicorn("bench.common:bare_app()", {})
    try:
        bare = run_load(
            bare_url,
            args.seconds,
            [{} for _ in range(args.concurrency)],
            make_bare,
            processes=args.processes,
        )
    finally:
        stop_gunicorn(bare_server)
    print(f"bare Flask ceiling: {bare.summary()}")
    ratio = result.throughput / bare.throughput if bare.throughput else float("nan")
    print(f"ratio: progress endpoint at {ratio:.1%} of the bare Flask ceiling")


if __name__ == "__main__":
    main()
