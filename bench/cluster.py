"""Several app instances behind nginx, on loopback, for the scale-out test and benchmark.

Everything here runs as the caller's own processes in a temporary folder: a Redis server
on a free port (never the machine's service), gunicorn instances (bench.common), and
Debian's nginx started with its own prefix and configuration (never the system service).
nginx balances the instances round robin, hands X-Accel-Redirect files from the content
folder, and checks signed media links itself with its secure_link module, as the README's
production configuration does.
"""

from __future__ import annotations

import getpass
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import free_port, start_gunicorn, start_job_worker, stop_gunicorn

ACCEL_PREFIX = "/protected-media"
SIGNED_PREFIX = "/signed-media"

NGINX_CONF = """\
{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ video/mp4 mp4 m4v; video/webm webm; text/vtt vtt; text/plain txt;
             application/pdf pdf; }}
    default_type application/octet-stream;
    sendfile on;

    upstream campus {{
{servers}
        keepalive 32;
    }}

    server {{
        listen 127.0.0.1:{port};
        server_name _;

        location / {{
            proxy_pass http://campus;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;
        }}

        # MEDIA_ACCEL_REDIRECT_PREFIX: files campus has already checked access to.
        location {accel}/ {{
            internal;
            alias {content}/;
        }}

        # MEDIA_URL_PREFIX: links campus signed; nginx checks them, Python never sees them.
        location {signed}/ {{
            secure_link $arg_md5,$arg_expires;
            secure_link_md5 "$secure_link_expires$uri {secret}";
            if ($secure_link = "") {{ return 403; }}
            if ($secure_link = "0") {{ return 410; }}
            {cors}alias {content}/;
        }}
    }}
}}
"""


def missing(*programs: str) -> list[str]:
    """Which of these are missing: programs on PATH (and /usr/sbin, where Debian puts
    nginx), and gunicorn, which runs as `python -m gunicorn` from the project's own venv."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return [
        name
        for name in programs
        if (
            importlib.util.find_spec(name) is None
            if name == "gunicorn"
            else shutil.which(name, path=path) is None
        )
    ]


def _wait_for_port(port: int, process: subprocess.Popen, what: str, log: Path | None = None):
    deadline = time.monotonic() + 60  # slow on a loaded machine
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    process.kill()
    detail = log.read_text()[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not start on port {port}. {detail}")


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    """A Redis server of our own on a free port, keeping nothing on disk; (process, url)."""
    port = free_port()
    log = folder / "redis.log"
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(folder),
            "--logfile", str(log),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _wait_for_port(port, process, "redis-server", log)
    return process, f"redis://127.0.0.1:{port}/0"


def start_nginx(
    folder: Path,
    upstreams: list[str],
    content_dir: str,
    media_secret: str,
    *,
    port: int | None = None,
    cors_origin: str = "",
) -> tuple[subprocess.Popen, str]:
    """nginx in the foreground with a configuration of our own; (process, url).

    cors_origin: the site's origin, allowed to load signed media from another origin (as a
    CDN must answer when MEDIA_URL_PREFIX names a different host)."""
    port = port or free_port()
    nginx = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin") or "nginx"
    servers = "\n".join(
        f"        server {url.removeprefix('http://')} max_fails=0;" for url in upstreams
    )
    # As root, nginx would switch its workers to "nobody", who may not read a private
    # temporary folder: keep them as the user who started it.
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    config = NGINX_CONF.format(
        user=user,
        tmp=folder,
        servers=servers,
        port=port,
        accel=ACCEL_PREFIX,
        signed=SIGNED_PREFIX,
        content=Path(content_dir).resolve(),
        secret=media_secret,
        cors=f'add_header Access-Control-Allow-Origin "{cors_origin}" always;\n            '
        if cors_origin
        else "",
    )
    conf = folder / "nginx.conf"
    conf.write_text(config)
    process = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log"),
         "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    _wait_for_port(port, process, "nginx", folder / "error.log")
    return process, f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdout, process.stderr):
        if stream:
            stream.close()


@dataclass
class Cluster:
    """Running instances, nginx in front of them, and the Redis they share."""

    instances: list[str]
    front: str
    redis_url: str
    folder: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    gunicorns: list[subprocess.Popen] = field(default_factory=list)

    def close(self) -> None:
        for process in self.gunicorns:
            stop_gunicorn(process)
        for process in self.processes:
            stop(process)
        shutil.rmtree(self.folder, ignore_errors=True)


def instance_env(base_env: dict, redis_url: str, media_secret: str) -> dict:
    """What every instance shares: database (in base_env), Redis (rate limits and the job
    queue), secrets, media settings."""
    return {
        **base_env,
        "RATELIMIT_STORAGE_URI": redis_url,
        "JOBS_URL": redis_url,  # jobs go to the shared queue, for a worker (start_worker)
        "RATELIMIT_SINGLE_PROCESS": "0",
        "TRUSTED_PROXIES": "1",
        "MEDIA_ACCEL_REDIRECT_PREFIX": ACCEL_PREFIX,
        "MEDIA_URL_PREFIX": SIGNED_PREFIX,
        "MEDIA_URL_SECRET": media_secret,
    }


def start_worker(cluster: Cluster, base_env: dict, log: Path) -> subprocess.Popen:
    """A job worker on the cluster's queue, as its own process; the caller stops it."""
    return start_job_worker({**base_env, "JOBS_URL": cluster.redis_url}, log)


def _overrides(base_env: dict) -> dict:
    return (
        {"MEDIA_URL_PREFIX": base_env["MEDIA_URL_PREFIX"]} if "MEDIA_URL_PREFIX" in base_env else {}
    )


def start_cluster(
    base_env: dict,
    count: int = 2,
    *,
    workers: int = 2,
    threads: int = 4,
    media_secret: str = "scale-out-media-secret-0123456789",  # noqa: S107 - loopback only
    front_port: int | None = None,
    cors_origin: str = "",
) -> Cluster:
    """`count` gunicorn instances of campus behind one nginx, sharing one Redis.

    base_env holds what the caller decides: SECRET_KEY, DATABASE_URL, CONTENT_DIR, and may
    override MEDIA_URL_PREFIX (default: nginx's own /signed-media).
    """
    folder = Path(tempfile.mkdtemp(prefix="campus-cluster-"))
    os.chmod(folder, 0o755)  # noqa: S103 - nginx's workers read their configuration here
    redis_process, redis_url = start_redis(folder)
    cluster = Cluster([], "", redis_url, folder, processes=[redis_process])
    try:
        env = {**instance_env(base_env, redis_url, media_secret), **_overrides(base_env)}
        for _ in range(count):
            process, url = start_gunicorn(
                "campus:create_app()", env, workers=workers, threads=threads
            )
            cluster.gunicorns.append(process)
            cluster.instances.append(url)
        nginx, front = start_nginx(
            folder,
            cluster.instances,
            env["CONTENT_DIR"],
            media_secret,
            port=front_port,
            cors_origin=cors_origin,
        )
        cluster.processes.insert(0, nginx)
        cluster.front = front
        with urllib.request.urlopen(front + "/healthz", timeout=30) as answer:  # noqa: S310
            assert answer.status == 200
    except BaseException:
        cluster.close()
        raise
    return cluster
