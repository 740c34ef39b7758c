"""One instance against two behind nginx, in the same run: heartbeats and the lesson page.

    python bench/scaleout_bench.py                        # SQLite in a temporary directory
    python bench/scaleout_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/db

Seeds learners with open viewing sessions (bench/progress_bench.py's seed), then for each
topology -- one gunicorn instance reached directly, and two instances behind nginx sharing
the database and a Redis of their own (bench/cluster.py) -- sends heartbeats for a fixed
time and checks the credited seconds are exactly those sent, then loads a signed-in
learner's lesson page. Each topology drives its own half of the learners, so the second
run's beats are new seconds too. The bare-Flask ceiling is measured the same two ways
(one instance; two behind nginx). It prints the machine's load average around each run.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cluster import missing, start_cluster, start_nginx, stop  # noqa: E402
from bench.common import (  # noqa: E402
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
    bench_env,
    run_load,
    start_gunicorn,
    stop_gunicorn,
)
from bench.progress_bench import (  # noqa: E402
    add_credentials,
    count_credit,
    make_app,
    make_bare,
    make_heartbeat,
    rebuild_schema,
    seed,
    thread_states,
    totals,
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--learners", type=int, default=400)
    parser.add_argument("--lessons", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=15.0, help="load time per measurement")
    parser.add_argument("--concurrency", type=int, default=32, help="simulated learners at once")
    parser.add_argument("--page-concurrency", type=int, default=8, help="lesson-page readers")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    return parser.parse_args()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f})"


def halves(slots: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split by learner: one topology's beats never touch the other's sessions."""
    first = [slot for slot in slots if slot["user_id"] % 2 == 0]
    second = [slot for slot in slots if slot["user_id"] % 2 == 1]
    return first, second


def make_lesson_page(state: dict):
    slot = state["slots"][state["i"] % len(state["slots"])]
    state["i"] += 1
    path = f"/courses/bench/lessons/l{slot['lesson_index']}"
    return ("GET", path, None, {"Cookie": slot["headers"]["Cookie"]})


def measure(label: str, url: str, app, slots: list[dict], args, rng) -> dict:
    """Heartbeats (with the exact-credit check), then the lesson page, against url."""
    before = totals(app)
    print(f"[{label}] before heartbeats: {load()}")
    beats = run_load(
        url,
        args.seconds,
        thread_states(list(slots), args.concurrency, rng),
        make_heartbeat,
        count_credit,
        processes=args.processes,
    )
    after = totals(app)
    sent = sum(r.get("sent_new", 0.0) for r in beats.extra["reports"])
    ledger, watched = after[0] - before[0], after[1] - before[1]
    exact = abs(ledger - sent) < 1e-6 and abs(watched - sent) < 1e-6
    print(f"[{label}] heartbeats: {beats.summary()}")
    if beats.error_samples:
        print(f"[{label}]   error samples: {beats.error_samples[:3]}")
    print(
        f"[{label}] credited check: sent {sent:.0f} new seconds; ledger grew {ledger:.0f}; "
        f"watched grew {watched:.0f} -> {'EXACT' if exact else 'MISMATCH'}"
    )
    readers = [
        {"slots": slots[i :: args.page_concurrency], "i": 0} for i in range(args.page_concurrency)
    ]
    pages = run_load(url, args.seconds, readers, make_lesson_page, processes=args.processes)
    print(f"[{label}] lesson page: {pages.summary()}")
    if pages.error_samples:
        print(f"[{label}]   error samples: {pages.error_samples[:3]}")
    print(f"[{label}] after: {load()}")
    return {"beats": beats.throughput, "pages": pages.throughput, "exact": exact}


def bare(label: str, url: str, args) -> float:
    result = run_load(
        url,
        args.seconds,
        [{} for _ in range(args.concurrency)],
        make_bare,
        processes=args.processes,
    )
    print(f"[{label}] bare Flask: {result.summary()}; {load()}")
    return result.throughput


def main() -> None:
    args = parse_args()
    absent = missing("nginx", "redis-server", "gunicorn")
    if absent:
        sys.exit(f"scaleout_bench needs {', '.join(absent)}")
    rng = random.Random(20261128)
    tmp = Path(tempfile.mkdtemp(prefix="campus-scaleout-bench-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    secret = secrets.token_hex(32)
    app = make_app(database_url, secret, str(tmp))
    print(
        f"database: {database_url.split(':')[0]}; each instance: gunicorn {GUNICORN_WORKERS} "
        f"workers x {GUNICORN_THREADS} threads (gthread); {args.concurrency} beating learners, "
        f"{args.page_concurrency} page readers; {args.seconds:.0f} s per measurement; "
        f"{os.cpu_count()} CPUs (shared with the load generator and anything else running)"
    )
    rebuild_schema(app)
    slots = seed(app, args.learners, args.lessons, rng)
    add_credentials(app, slots)
    lesson_ids = sorted({slot["lesson_id"] for slot in slots})
    for slot in slots:
        slot["lesson_index"] = lesson_ids.index(slot["lesson_id"])
    one_half, two_half = halves(slots)
    print(f"seeded {args.learners} learners x {args.lessons} lessons; {load()}")

    env = bench_env(secret, database_url, tmp, RATELIMIT_SINGLE_PROCESS="1")
    figures = {}
    server, url = start_gunicorn("campus:create_app()", env)
    try:
        figures["one"] = measure("one instance", url, app, one_half, args, rng)
    finally:
        stop_gunicorn(server)

    cluster = start_cluster(env, 2)
    try:
        figures["two"] = measure("two + nginx", cluster.front, app, two_half, args, rng)
    finally:
        cluster.close()

    bare_one, bare_url = start_gunicorn("bench.common:bare_app()", {})
    bare_two, bare_url_two = start_gunicorn("bench.common:bare_app()", {})
    front_folder = Path(tempfile.mkdtemp(prefix="campus-bare-front-"))
    os.chmod(front_folder, 0o755)  # noqa: S103 - nginx's workers read their configuration here
    nginx, front = start_nginx(front_folder, [bare_url, bare_url_two], str(tmp), secret)
    try:
        figures["bare_one"] = bare("one instance", bare_url, args)
        figures["bare_two"] = bare("two + nginx", front, args)
    finally:
        stop(nginx)
        stop_gunicorn(bare_one)
        stop_gunicorn(bare_two)

    one, two = figures["one"], figures["two"]
    print("\nsummary (requests/s)          one instance   two + nginx   two/one")
    for name, key in (("heartbeats", "beats"), ("lesson page", "pages")):
        ratio = two[key] / one[key] if one[key] else float("nan")
        print(f"  {name:<27} {one[key]:>12.0f}   {two[key]:>11.0f}   {ratio:>7.2f}")
    ratio = figures["bare_two"] / figures["bare_one"] if figures["bare_one"] else float("nan")
    bare_one, bare_two = figures["bare_one"], figures["bare_two"]
    print(f"  {'bare Flask ceiling':<27} {bare_one:>12.0f}   {bare_two:>11.0f}   {ratio:>7.2f}")
    print(f"  credited exactly: one {one['exact']}, two {two['exact']}; {load()}")


if __name__ == "__main__":
    main()
