"""Where a page's time goes: cProfile over many in-process requests (Flask test client,
SQLite), top entries by own time or cumulative time.

    .venv/bin/python -m bench.profile_pages thread [--requests 50] [--sort tottime] [--top 10]
    .venv/bin/python -m bench.profile_pages index|lesson|course|heartbeat
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import forum_bench  # noqa: E402
from tests.factories import FIXTURE_CONTENT  # noqa: E402


def page_client(tmp: Path):
    """The forum bench's data (a 200-reply thread, 61 threads) and a signed-in reader."""
    from campus import create_app

    db_url = f"sqlite:///{tmp / 'profile.sqlite3'}"
    info = forum_bench.seed(db_url, 0)
    app = create_app(
        {
            "SECRET_KEY": forum_bench.SECRET,
            "SQLALCHEMY_DATABASE_URI": db_url,
            "CONTENT_DIR": str(FIXTURE_CONTENT),
            "RATELIMIT_ENABLED": False,
            "FORUM_POSTS_PER_PAGE": 250,
            "PUBLIC_BASE_URL": "http://campus.test",
        }
    )
    from tests.helpers import login

    client = app.test_client()
    login(client, SimpleNamespace(email=info["email"]))
    return app, client, info


PATHS = {
    "thread": lambda info: f"/courses/test-course/forum/t/{info['thread']}",
    "index": lambda info: "/courses/test-course/forum/",
    "lesson": lambda info: "/courses/test-course/lessons/lesson-one",
    "course": lambda info: "/courses/test-course",
}


def heartbeat_requests(tmp: Path, count: int):
    """(client, list of (path, body, headers)) for `count` fresh beats of one learner."""
    import random
    import secrets

    from bench import progress_bench

    secret = secrets.token_hex(32)
    url = f"sqlite:///{tmp / 'beat.sqlite3'}"
    app = progress_bench.make_app(url, secret, str(tmp))
    progress_bench.rebuild_schema(app)
    slots = progress_bench.seed(app, 20, 25, random.Random(1))
    progress_bench.add_credentials(app, slots)
    state = {"slots": slots, "i": 0}
    requests = []
    for _ in range(count):
        method, path, body, headers = progress_bench.make_heartbeat(state)
        requests.append((path, body, headers))
    return app, requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("page", choices=[*PATHS, "heartbeat"])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--time-only", action="store_true", help="median ms, no profiler")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="profile-"))
    if args.page == "heartbeat":
        app, requests = heartbeat_requests(tmp, args.requests + 5)
        client = app.test_client()

        def one(i):
            path, body, headers = requests[i]
            cookie = headers.pop("Cookie")
            client.set_cookie(*cookie.split("=", 1))
            response = client.post(path, data=body, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)
    else:
        app, client, info = page_client(tmp)
        path = PATHS[args.page](info)

        def one(_i):
            response = client.get(path)
            assert response.status_code == 200, response.status_code

    for i in range(5):
        one(i)  # warm up: templates compiled, connections open
    if args.time_only:
        samples, cpu = [], []
        for i in range(args.requests):
            started, cpu_started = time.perf_counter(), time.process_time()
            one(i + 5)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        # CPU time is steadier than wall time on a machine shared with other work.
        print(
            f"{args.page}: median {statistics.median(samples):.2f} ms wall, "
            f"{statistics.median(cpu):.2f} ms CPU per request in-process"
        )
        return
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for i in range(args.requests):
        one(i + 5)
    profiler.disable()
    elapsed = (time.perf_counter() - started) / args.requests * 1000
    print(f"{args.page}: {elapsed:.1f} ms per request in-process under cProfile")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
