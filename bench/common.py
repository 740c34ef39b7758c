"""Reusable benchmark parts: gunicorn on loopback, the bare-Flask ceiling app, a
multi-process HTTP load generator with persistent connections, and latency statistics."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GUNICORN_WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
GUNICORN_THREADS = int(os.environ.get("BENCH_THREADS", "4"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    app_spec: str,
    env: dict,
    health_path: str = "/healthz",
    workers: int = GUNICORN_WORKERS,
    threads: int = GUNICORN_THREADS,
    worker_class: str = "gthread",
    log_path: Path | None = None,
):
    """Start gunicorn (gthread workers by default, keep-alive) on a free loopback port;
    (process, url). Its standard error (the app's log) goes to log_path when given, else to
    a temporary file."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        worker_class,
        "--keep-alive",
        "5",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app_spec,
    ]
    # The server's log goes to a file, not a pipe: nobody reads a pipe while the server
    # runs, and a full one (64 KiB of tracebacks) would stop the server mid-run.
    log = log_path.open("ab") if log_path else tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    process.log = log  # closed by stop_gunicorn
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a busy CI machine (or nice -n 19) starts it slowly
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + health_path, timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    process.wait()
    if log_path:
        log.close()
        output = log_path.read_text(errors="replace")
    else:
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
    raise RuntimeError("gunicorn did not start: " + output[-2000:])


def start_job_worker(env: dict, log: Path) -> subprocess.Popen:
    """`flask jobs worker` as a process of its own, with env over this one's; its output is
    appended to log. The caller stops it."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "jobs", "worker"],
            cwd=PROJECT_ROOT,
            env={**os.environ, "FLASK_APP": "campus", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def bench_env(secret: str, database_url: str, content_dir, **extra: str) -> dict[str, str]:
    """The settings every benchmarked app server runs with: plain HTTP on loopback, no
    debug, no rate limits (the load comes from one address), plus the bench's own extras."""
    return {
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(content_dir),
        "SECURE_COOKIES": "0",
        "FLASK_DEBUG": "0",
        "PUBLIC_BASE_URL": "http://campus.test",
        "RATELIMIT_ENABLED": "0",
        **extra,
    }


def stop_gunicorn(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log = getattr(process, "log", None)
    if log is not None:
        log.close()


def bare_app():
    """The ceiling: a Flask endpoint that parses the same JSON and answers JSON, no database."""
    from flask import Flask, jsonify, render_template, render_template_string, request
    from jinja2 import DictLoader

    app = Flask("bare")
    app.jinja_loader = DictLoader({"page.html": BARE_PAGE})

    @app.get("/healthz")
    def health():
        return "ok"

    @app.get("/page")
    def page():
        """The ceiling issue 14's targets were set against: render_template_string compiles
        the template on every request, most of this page's cost in process."""
        return render_template_string(BARE_PAGE, title="Bare page", items=range(10))

    @app.get("/page-compiled")
    def page_compiled():
        """The stricter ceiling: the template loaded and compiled once, as a real page's is."""
        return render_template("page.html", title="Bare page", items=range(10))

    @app.post("/beat")
    def beat():
        body = request.get_json()
        return jsonify(ok=True, intervals=len(body.get("intervals", [])))

    return app


BARE_PAGE = """<!doctype html><html lang="en"><head><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><ul>{% for i in items %}<li>Item {{ i }}</li>{% endfor %}</ul>
</main></body></html>"""


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn master's worker processes (Linux /proc)."""
    path = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    try:
        return [int(pid) for pid in path.read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    """Resident set size of one process in MB (Linux /proc), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        values = sorted(self.latencies)
        ms = [percentile(values, f) * 1000 for f in (0.5, 0.95, 0.99)]
        return (
            f"{len(values)} ok, {self.errors} errors in {self.seconds:.1f} s -> "
            f"{self.throughput:.0f} req/s; latency p50 {ms[0]:.1f} ms, p95 {ms[1]:.1f} ms, "
            f"p99 {ms[2]:.1f} ms"
        )


# A request maker: (thread state) -> (method, path, body bytes, headers) or None to stop;
# a response hook: (state, request tuple, status, body) -> None.
Maker = Callable[[dict], tuple | None]


def _thread_loop(url: str, deadline: float, state: dict, make: Maker, on_response, out: dict):
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    while time.monotonic() < deadline:
        request = make(state)
        if request is None:
            break
        method, path, body, headers = request
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            out["errors"] += 1
            out["samples"].append(repr(error)[:200])
            connection.close()
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        elapsed = time.perf_counter() - started
        if 200 <= status < 300:
            out["latencies"].append(elapsed)
        else:
            out["errors"] += 1
            out["samples"].append(f"{status} {payload[:200]!r}")
        on_response(state, request, status, payload)
    connection.close()


def _process_main(url, seconds, states, make, on_response, queue, start_at):
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.monotonic() + seconds
    outs = [{"latencies": [], "errors": 0, "samples": []} for _ in states]
    threads = [
        threading.Thread(target=_thread_loop, args=(url, deadline, st, make, on_response, o))
        for st, o in zip(states, outs, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((outs, [st.get("report", {}) for st in states]))


def run_load(
    url: str,
    seconds: float,
    thread_states: list[dict],
    make: Maker,
    on_response=lambda *a: None,
    processes: int = 2,
) -> LoadResult:
    """Run the request makers (one per state, spread over processes) for a fixed time."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 0.5
    chunks = [thread_states[i::processes] for i in range(processes)]
    workers = [
        context.Process(
            target=_process_main, args=(url, seconds, chunk, make, on_response, queue, start_at)
        )
        for chunk in chunks
        if chunk
    ]
    for worker in workers:
        worker.start()
    result = LoadResult(seconds)
    reports = []
    for _ in workers:
        outs, states_reports = queue.get()
        for out in outs:
            result.latencies.extend(out["latencies"])
            result.errors += out["errors"]
            result.error_samples.extend(out["samples"][:3])
        reports.extend(states_reports)
    for worker in workers:
        worker.join()
    result.extra["reports"] = reports
    return result


def json_request(path: str, body: dict, headers: dict | None = None) -> tuple:
    data = json.dumps(body).encode()
    return ("POST", path, data, {"Content-Type": "application/json", **(headers or {})})
