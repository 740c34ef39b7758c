"""Session details: a fresh session at sign-in, __Host- cookies, idle and absolute timeouts,
and no caching of health answers or redirects."""

from __future__ import annotations

import pytest

from campus.accounts import auth
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token_for, login, post


class Clock:
    def __init__(self, start: float):
        self.now = start

    def time(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch):
    import time

    fake = Clock(time.time())
    monkeypatch.setattr(auth, "time", fake)
    return fake


def test_a_pre_login_csrf_token_does_not_carry_over(app, client):
    user = make_user()
    before = csrf_token_for(client, app)
    post(client, "/account/login?next=/courses/x", {"email": user.email, "password": PASSWORD})
    response = client.post(
        "/account/profile",
        data={"csrf_token": before, "full_name": "Changed Name", "time_zone": "America/Chicago"},
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_sign_in_keeps_the_next_target(client):
    user = make_user()
    response = post(
        client, "/account/login?next=/courses/x", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/courses/x")


def test_cookies_carry_the_host_prefix_when_secure(app, client):
    assert app.config["SESSION_COOKIE_SECURE"]
    response = login(client, make_user())
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("__Host-session", "__Host-campus_device"):
        assert "Secure" in cookies[name] and "Path=/" in cookies[name]
        assert "Domain" not in cookies[name]


def test_no_host_prefix_without_secure_cookies():
    from campus.config import apply_cookie_prefix

    config = {
        "SESSION_COOKIE_NAME": "__Host-session",
        "REMEMBER_COOKIE_NAME": "remember_token",
        "DEVICE_COOKIE_NAME": "campus_device",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    }
    apply_cookie_prefix(config)
    assert config["SESSION_COOKIE_NAME"] == "session"
    assert config["REMEMBER_COOKIE_NAME"] == "remember_token"


def test_an_idle_session_ends(app, client, clock):
    login(client, make_user())
    clock.advance(app.config["SESSION_IDLE_TIMEOUT"] / 60 - 1)
    assert client.get("/dashboard").status_code == 200
    clock.advance(app.config["SESSION_IDLE_TIMEOUT"] / 60 + 1)
    assert client.get("/dashboard").status_code == 302


def test_activity_keeps_a_long_lesson_signed_in(app, client, clock, course):
    """Progress beats are activity: 200 beats over 80 minutes, longer than the idle timeout,
    keep the learner signed in (a real player sends one every 10 s)."""
    from tests.course.progress_helpers import beat, open_session
    from tests.factories import lesson_named, make_enrollment

    user = make_user()
    make_enrollment(user, course)
    login(client, user)
    lesson = lesson_named(course)
    session_id = open_session(client, lesson)
    assert app.config["SESSION_IDLE_TIMEOUT"] < 80 * 60
    for number in range(1, 201):  # under the per-minute beat limit in real time
        clock.advance(0.4)
        answer = beat(client, lesson, session_id, [], position=0, seq=number)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200


def test_the_absolute_lifetime_ends_even_an_active_session(app, client, clock):
    post(
        client,
        "/account/login",
        {"email": make_user().email, "password": PASSWORD, "remember": "y"},
    )
    lifetime_minutes = app.config["SESSION_ABSOLUTE_LIFETIME"] / 60
    for _ in range(int(lifetime_minutes // 20)):
        clock.advance(20)
        assert client.get("/dashboard").status_code == 200
    clock.advance(21)
    assert client.get("/dashboard").status_code == 302
    # The remember-me cookie went with it: the next request does not sign back in.
    assert client.get_cookie(app.config["REMEMBER_COOKIE_NAME"], domain="campus.test") is None
    assert client.get("/dashboard").status_code == 302


def test_defaults_suit_a_ce_platform(app):
    assert app.config["SESSION_IDLE_TIMEOUT"] == 60 * 60  # a post-test fits inside it
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == 12 * 60 * 60


def test_health_and_redirects_are_never_cached(client):
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"
    response = client.get("/verify?code=7KQ2-M9TX-4HVA-R3PD")
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
