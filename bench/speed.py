"""Speed where learners feel it, in one run and one table: each page's throughput and
latency as a share of a bare Flask template page served the same way in the same run (two
ceilings: the one issue 14's targets were set against, whose template is compiled on every
request, and a strict one whose template is compiled once, about 2.5x faster), the
heartbeat on SQLite and PostgreSQL beside a bare JSON endpoint, forum search at 100,000
posts on SQLite (FTS5) and PostgreSQL, RSS per worker after the load, and the growth rows
(query count and time per request at a small and a large size).

    .venv/bin/python -m bench.speed                               # all but PostgreSQL
    .venv/bin/python -m bench.speed --pg-url postgresql+psycopg://postgres@127.0.0.1/<db>
    .venv/bin/python -m bench.speed --runs 3 --worker-class gthread --threads 4

Pages are loaded with wrk (-t2 -c4 by default); the heartbeat needs per-learner state, so
it (and its bare JSON ceiling) use bench.common.run_load. Each figure is the median of
--runs runs; the table gives the load average at the start and the end. The PostgreSQL
database given is emptied and rebuilt.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import forum_bench, progress_bench  # noqa: E402
from bench.common import (  # noqa: E402
    bench_env,
    rss_mb,
    run_load,
    start_gunicorn,
    stop_gunicorn,
    worker_pids,
)
from tests.factories import FIXTURE_CONTENT  # noqa: E402

WRK = os.environ.get("WRK", "/usr/bin/wrk")
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass
class Figure:
    rps: float
    p50: float  # ms
    p99: float  # ms
    errors: int = 0


def median_figure(figures: list[Figure]) -> Figure:
    return Figure(
        statistics.median(f.rps for f in figures),
        statistics.median(f.p50 for f in figures),
        statistics.median(f.p99 for f in figures),
        sum(f.errors for f in figures),
    )


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(url: str, seconds: float, cookie: str, threads: int, connections: int) -> Figure:
    """One wrk run; non-2xx/3xx answers are counted as errors."""
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    # A run too short to complete any request (a warm-up on a busy machine) has no percentiles.
    return Figure(
        float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        _ms(latency["50"]) if "50" in latency else float("nan"),
        _ms(latency["99"]) if "99" in latency else float("nan"),
        (int(errors.group(1)) if errors else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    )


def check_ok(url: str, cookie: str) -> None:
    """Fail loudly if a page would be measured as a redirect or an error (http.client, as
    wrk: no User-Agent, which the login's session protection hashes)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", parts.path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200, (url, response.status, response.getheader("Location"))


def server_args(args) -> dict:
    return {"workers": args.workers, "threads": args.threads, "worker_class": args.worker_class}


CEILING = "bare Flask template page (ceiling)"
STRICT_CEILING = "bare page, template compiled once (strict ceiling)"


# --- pages ------------------------------------------------------------------------------


def pages(args, tmp: Path) -> tuple[dict[str, Figure], list[float]]:
    """The bare template page and the four pages, each the median of args.runs wrk runs."""
    db_url = f"sqlite:///{tmp / 'pages.sqlite3'}"
    info = forum_bench.seed(db_url, 0)
    env = bench_env(forum_bench.SECRET, db_url, FIXTURE_CONTENT, FORUM_POSTS_PER_PAGE="250")
    app_proc, app_url = start_gunicorn("campus:create_app()", env, **server_args(args))
    bare_proc, bare_url = start_gunicorn("bench.common:bare_app()", env, **server_args(args))
    cookie = forum_bench.login_cookie(int(app_url.rsplit(":", 1)[1]), info["email"])
    forum = f"{app_url}/courses/test-course/forum/"
    targets = {
        CEILING: (bare_url + "/page", ""),
        STRICT_CEILING: (bare_url + "/page-compiled", ""),
        "thread page, 200 replies": (f"{forum}t/{info['thread']}", cookie),
        f"forum index, {info['threads']} threads": (forum, cookie),
        "lesson page, enrolled learner": (
            f"{app_url}/courses/test-course/lessons/lesson-one",
            cookie,
        ),
        "course page, anonymous": (f"{app_url}/courses/test-course", ""),
    }
    results: dict[str, list[Figure]] = {label: [] for label in targets}
    try:
        for url, jar in targets.values():
            check_ok(url, jar)
            wrk(url, 2, jar, args.wrk_threads, args.connections)  # warm up
        for _ in range(args.runs):
            for label, (url, jar) in targets.items():
                results[label].append(
                    wrk(url, args.seconds, jar, args.wrk_threads, args.connections)
                )
        rss = [rss_mb(pid) for pid in worker_pids(app_proc.pid)]
    finally:
        stop_gunicorn(app_proc)
        stop_gunicorn(bare_proc)
    return {label: median_figure(figures) for label, figures in results.items()}, rss


# --- heartbeat --------------------------------------------------------------------------


def heartbeat(args, database_url: str, tmp: Path) -> tuple[Figure, Figure, str]:
    """Heartbeats/s on one database and the bare JSON endpoint, medians of args.runs."""
    rng = random.Random(20261128)
    secret = secrets.token_hex(32)
    app = progress_bench.make_app(database_url, secret, str(tmp))
    progress_bench.rebuild_schema(app)
    slots = progress_bench.seed(app, args.learners, 25, rng)
    progress_bench.add_credentials(app, slots)
    before = progress_bench.totals(app)
    env = bench_env(secret, database_url, tmp)
    # run_load forks its clients, so a run's progress (cursors, sequence numbers) never
    # comes back to this process: each run gets its own learners, or later runs would
    # replay the first one's beats (credited nothing, yet counted as sent).
    learners = sorted({slot["user_id"] for slot in slots})
    groups = [set(learners[i :: args.runs]) for i in range(args.runs)]
    beats, bare, sent = [], [], 0.0
    server, url = start_gunicorn("campus:create_app()", env, **server_args(args))
    bare_server, bare_url = start_gunicorn("bench.common:bare_app()", {}, **server_args(args))
    try:
        for group in groups:
            mine = [slot for slot in slots if slot["user_id"] in group]
            states = progress_bench.thread_states(mine, args.beat_concurrency, rng)
            result = run_load(
                url,
                args.seconds,
                states,
                progress_bench.make_heartbeat,
                progress_bench.count_credit,
            )
            sent += sum(r.get("sent_new", 0.0) for r in result.extra["reports"])
            beats.append(_load_figure(result))
            if result.error_samples:
                print(f"heartbeat errors ({result.errors}):", result.error_samples[:2])
            bare.append(
                _load_figure(
                    run_load(
                        bare_url,
                        args.seconds,
                        [{} for _ in range(args.beat_concurrency)],
                        progress_bench.make_bare,
                    )
                )
            )
    finally:
        stop_gunicorn(server)
        stop_gunicorn(bare_server)
    after = progress_bench.totals(app)
    ledger, watched = after[0] - before[0], after[1] - before[1]
    exact = abs(ledger - sent) < 1e-6 and abs(watched - sent) < 1e-6
    check = f"{'exact' if exact else 'MISMATCH'} ({sent:,.0f} s sent, ledger +{ledger:,.0f})"
    return median_figure(beats), median_figure(bare), check


def _load_figure(result) -> Figure:
    values = sorted(result.latencies)
    from bench.common import percentile

    return Figure(
        result.throughput,
        percentile(values, 0.5) * 1000,
        percentile(values, 0.99) * 1000,
        result.errors,
    )


# --- growth -----------------------------------------------------------------------------


def growth(tmp: Path) -> list[tuple[str, int, int, float, float]]:
    """(page, queries small, queries large, ms small, ms large), in-process (test client)."""
    from sqlalchemy import event, insert

    from campus import create_app
    from campus.accounts.models import Role, User
    from campus.enrollment.models import Enrollment
    from campus.extensions import db
    from campus.models import utcnow
    from community.models import Thread
    from tests.factories import category, import_fixture_course, learner_in, make_user
    from tests.helpers import login

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": forum_bench.SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'growth.sqlite3'}",
            "CONTENT_DIR": str(FIXTURE_CONTENT),
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )

    def measure(client, path: str) -> tuple[int, float]:
        """Outside any app context: each request gets its own (and its own flask.g)."""
        statements = []

        def record(*_args):
            statements.append(1)

        client.get(path)  # warm
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, (path, response.status_code)
        timings = []
        for _ in range(15):
            start = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        return len(statements), statistics.median(timings)

    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        engine = db.engine
        course = import_fixture_course()
        course_id = course.id
        learner = learner_in(course, email="growth-learner@bench.test")
        make_user(Role.INSTRUCTOR, email="growth-staff@bench.test")
        learner_id, category_id = learner.id, category(course).id
        now = utcnow()
    learner_client, staff_client = app.test_client(), app.test_client()
    # Outside the app context, so each request has its own flask.g (and current user).
    login(learner_client, SimpleNamespace(email="growth-learner@bench.test"))
    login(staff_client, SimpleNamespace(email="growth-staff@bench.test"))

    def add_threads(count: int) -> None:
        with app.app_context():
            db.session.execute(
                insert(Thread),
                [
                    {
                        "course_id": course_id,
                        "category_id": category_id,
                        "author_id": learner_id,
                        "title": f"Growth thread {i}",
                        "post_count": 1,
                        "created_at": now,
                        "last_post_at": now,
                    }
                    for i in range(count)
                ],
            )
            db.session.commit()

    def add_learners(count: int, offset: int) -> None:
        with app.app_context():
            ids = (
                db.session.execute(
                    insert(User).returning(User.id),
                    [
                        {
                            "email": f"grow{offset + i}@bench.test",
                            "full_name": f"Grow {offset + i}",
                            "password_hash": "x",
                            "role": "learner",
                            "session_token": secrets.token_hex(12),
                            "is_disabled": False,
                            "created_at": now,
                        }
                        for i in range(count)
                    ],
                )
                .scalars()
                .all()
            )
            db.session.execute(
                insert(Enrollment),
                [
                    {"user_id": uid, "course_id": course_id, "status": "active", "enrolled_at": now}
                    for uid in ids
                ],
            )
            db.session.commit()

    def add_courses(start: int, stop: int) -> None:
        from tests.course.test_progress_pages import make_course
        from tests.factories import make_enrollment

        with app.app_context():
            for number in range(start, stop):
                make_enrollment(db.session.get(User, learner_id), make_course(number, lessons=6))

    rows = []
    index = "/courses/test-course/forum/"
    learners_page = "/courses/test-course/learners"
    add_threads(10)
    small_index = measure(learner_client, index)
    add_threads(9_990)
    large_index = measure(learner_client, index)
    rows.append(("forum index, 10 vs 10,000 threads", *_pair(small_index, large_index)))
    add_learners(9, 0)  # 10 with the learner above
    small_learners = measure(staff_client, learners_page)
    add_learners(9_990, 9)
    large_learners = measure(staff_client, learners_page)
    rows.append(("learners page, 10 vs 10,000 learners", *_pair(small_learners, large_learners)))
    add_courses(0, 9)  # 10 with the test course
    small_dash = measure(learner_client, "/dashboard")
    add_courses(9, 19)
    large_dash = measure(learner_client, "/dashboard")
    rows.append(("dashboard, 10 vs 20 courses", *_pair(small_dash, large_dash)))
    return rows


def _pair(small, large):
    return small[0], large[0], small[1], large[1]


# --- search -----------------------------------------------------------------------------


def search(database_url: str, posts: int) -> dict:
    """Search percentiles over `posts` posts (forum_bench; the database is emptied first)."""
    return forum_bench.seed(database_url, posts)["search"]


# --- report -----------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per figure (median)")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--beat-concurrency", type=int, default=8)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--pg-url", default="", help="PostgreSQL database (emptied)")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--skip", default="", help="comma list of: pages,beat,search,growth")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    skip = set(filter(None, args.skip.split(",")))
    tmp = Path(tempfile.mkdtemp(prefix="speed-bench-"))
    load_before = os.getloadavg()
    lines = []
    shape = f"{args.workers} {args.worker_class} workers" + (
        f" x {args.threads} threads" if args.worker_class == "gthread" else ""
    )
    print(
        f"gunicorn {shape}; wrk -t{args.wrk_threads} -c{args.connections}; "
        f"{args.seconds:.0f} s per figure, median of {args.runs}; {os.cpu_count()} CPUs (shared)"
    )
    if "pages" not in skip:
        figures, rss = pages(args, tmp)
        ceiling, strict = figures[CEILING].rps, figures[STRICT_CEILING].rps
        lines.append(
            "| page (SQLite) | req/s | p50 ms | p99 ms | share of ceiling "
            "| share of strict ceiling | errors |"
        )
        lines.append("|---|---|---|---|---|---|---|")
        for label, figure in figures.items():
            lines.append(
                f"| {label} | {figure.rps:,.0f} | {figure.p50:.1f} | {figure.p99:.1f} | "
                f"{figure.rps / ceiling:.1%} | {figure.rps / strict:.1%} | {figure.errors} |"
            )
        lines.append(
            "| RSS per app worker after the load | "
            + ", ".join(f"{mb:.0f} MB" for mb in rss)
            + " | | | | | |"
        )
    if "beat" not in skip:
        lines.append("")
        lines.append(
            "| heartbeat | beats/s | p50 ms | p99 ms | bare JSON req/s | share | credited |"
        )
        lines.append("|---|---|---|---|---|---|---|")
        databases = [("SQLite", f"sqlite:///{tmp / 'beat.sqlite3'}")]
        if args.pg_url:
            databases.append(("PostgreSQL", args.pg_url))
        for name, url in databases:
            beat, bare, check = heartbeat(args, url, tmp)
            lines.append(
                f"| {name} | {beat.rps:,.0f} | {beat.p50:.1f} | {beat.p99:.1f} | "
                f"{bare.rps:,.0f} | {beat.rps / bare.rps:.1%} | {check} |"
            )
    if "search" not in skip and args.posts:
        databases = [("SQLite", f"sqlite:///{tmp / 'search.sqlite3'}")]
        if args.pg_url:
            databases.append(("PostgreSQL", args.pg_url))
        for name, url in databases:
            lines.append("")
            lines.append(f"| {name} search, {args.posts:,} posts | p50 ms | p95 ms | max ms |")
            lines.append("|---|---|---|---|")
            for q, (p50, p95, worst) in search(url, args.posts).items():
                lines.append(f"| {q!r} | {p50:.1f} | {p95:.1f} | {worst:.1f} |")
    if "growth" not in skip:
        lines.append("")
        lines.append(
            "| growth (in-process) | queries small | queries large | ms small | ms large | x |"
        )
        lines.append("|---|---|---|---|---|---|")
        for label, q_small, q_large, ms_small, ms_large in growth(tmp):
            lines.append(
                f"| {label} | {q_small} | {q_large} | {ms_small:.1f} | {ms_large:.1f} | "
                f"{ms_large / ms_small:.2f} |"
            )
    load_after = os.getloadavg()
    print("\n".join(lines))
    print(
        f"\nload average (1/5/15 min): start {load_before[0]:.1f}/{load_before[1]:.1f}/"
        f"{load_before[2]:.1f}, end {load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f}"
    )


if __name__ == "__main__":
    main()
