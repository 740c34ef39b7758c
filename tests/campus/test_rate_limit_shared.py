"""With Redis storage, login limits hold across gunicorn workers (the production setup)."""

import http.cookiejar
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
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


def failed_login(base: str, email: str) -> int:
    """One fresh session: fetch the form (cookie + CSRF token), post a wrong password."""
    opener, body = login_form(base, email)
    return submit(opener, base, body)


@pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")
def test_login_limit_is_shared_by_all_workers(app):
    import redis

    redis.Redis(*REDIS, db=15).flushdb()
    user = make_user()
    process, base = start_gunicorn(
        server_env({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "SECURE_COOKIES": "0"}),
        workers=3,
    )
    try:
        statuses = [failed_login(base, user.email) for _ in range(7)]
    finally:
        stop_gunicorn(process)
        redis.Redis(*REDIS, db=15).flushdb()
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]


@pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")
def test_parallel_guesses_cannot_overshoot_the_budget(app):
    """30 wrong guesses at once: exactly the budget (5) reach a password check.

    Counting after a failed check let 8-11 through; counting before it, atomically in the
    shared storage, cannot overshoot."""
    import redis

    redis.Redis(*REDIS, db=14).flushdb()
    user = make_user()
    process, base = start_gunicorn(
        server_env({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14", "SECURE_COOKIES": "0"}),
        workers=3,
    )
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
        redis.Redis(*REDIS, db=14).flushdb()
    print("password checks:", statuses.count(401), "refused:", statuses.count(429))
    assert statuses.count(401) == 5
    assert statuses.count(429) == 25
