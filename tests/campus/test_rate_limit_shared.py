"""With Redis storage, login limits hold across gunicorn workers (the production setup)."""

import http.cookiejar
import re
import socket
import urllib.error
import urllib.parse
import urllib.request

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


def failed_login(base: str, email: str) -> int:
    """One fresh browser-like session: fetch the form (cookie + CSRF token), post a wrong password."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/account/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": "wrong guess!"})
    try:
        opener.open(base + "/account/login", data=body.encode())
    except urllib.error.HTTPError as error:
        return error.code
    return 200


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
