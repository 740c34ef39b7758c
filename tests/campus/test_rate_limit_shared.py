"""With Redis storage, login limits hold across gunicorn workers (the production setup)."""

import http.cookiejar
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.common import stop_gunicorn
from tests.factories import make_user
from tests.live_server import server_env, start_gunicorn

REDIS = ("127.0.0.1", 6379)


def redis_is_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


def login_form(base: str, email: str):
    """A fresh browser-like session holding the login form: (opener, wrong-password body)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/account/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": "wrong guess!"})
    return opener, body.encode()


def submit(opener, base: str, body: bytes) -> int:
    try:
        opener.open(base + "/account/login", data=body)
    except urllib.error.HTTPError as error:
        return error.code
    return 200


def redis_server(db: int):
    """A live server on Redis db, with keys of its own: other test runs share this Redis
    (and may flush their own db), so each run uses a fresh key prefix and cleans only it."""
    prefix = f"test-{uuid.uuid4().hex}"
    env = {
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:6379/{db}",
        "RATELIMIT_KEY_PREFIX": prefix,
        "RATELIMIT_SINGLE_PROCESS": "0",
        "SECURE_COOKIES": "0",
    }
    return start_gunicorn(server_env(env), workers=3), prefix


def forget(db: int, prefix: str) -> None:
    import redis

    client = redis.Redis(*REDIS, db=db)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def failed_login(base: str, email: str) -> int:
    """One fresh session: fetch the form (cookie + CSRF token), post a wrong password."""
    opener, body = login_form(base, email)
    return submit(opener, base, body)


@pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")
def test_login_limit_is_shared_by_all_workers(app):
    user = make_user()
    (process, base), prefix = redis_server(12)
    try:
        statuses = [failed_login(base, user.email) for _ in range(7)]
    finally:
        stop_gunicorn(process)
        forget(12, prefix)
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]


@pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")
def test_parallel_guesses_cannot_overshoot_the_budget(app):
    """30 wrong guesses at once: exactly the budget (5) reach a password check.

    Counting after a failed check let 8-11 through; counting before it, atomically in the
    shared storage, cannot overshoot."""
    user = make_user()
    (process, base), prefix = redis_server(13)
    try:
        forms = [login_form(base, user.email) for _ in range(30)]
        start = threading.Barrier(len(forms))

        def fire(form):
            start.wait()
            return submit(form[0], base, form[1])

        with ThreadPoolExecutor(len(forms)) as pool:
            statuses = list(pool.map(fire, forms))
    finally:
        stop_gunicorn(process)
        forget(13, prefix)
    print("password checks:", statuses.count(401), "refused:", statuses.count(429))
    assert statuses.count(401) == 5
    assert statuses.count(429) == 25
