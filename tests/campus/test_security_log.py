"""The security log: one JSON line per event, unforgeable, and free of secrets."""

import json
import logging
import re

import pytest

from tests.factories import PASSWORD, make_user
from tests.helpers import login, post


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter("%(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))

    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def security_log():
    logger = logging.getLogger("campus.security")
    handler = Lines()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def only(log: Lines, event: str) -> dict:
    (found,) = [e for e in log.events() if e["event"] == event]
    return found


def test_login_success_failure_and_logout_are_logged(client, security_log):
    user = make_user()
    post(client, "/account/login", {"email": user.email, "password": "not the password"})
    login(client, user)
    post(client, "/account/logout")
    events = [(e["event"], e["outcome"], e["user"]) for e in security_log.events()]
    assert events == [
        ("login", "failure", user.id),
        ("login", "success", user.id),
        ("logout", "success", user.id),
    ]
    first = security_log.events()[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["time"])
    assert first["address"] == "127.0.0.1"
    assert first["route"] == "POST /account/login"


def test_an_unknown_account_is_anon(client, security_log):
    post(client, "/account/login", {"email": "nobody@example.com", "password": "whatever it is"})
    assert only(security_log, "login")["user"] == "anon"


def test_every_403_is_logged(client, security_log):
    user = make_user()
    login(client, user)
    assert client.get("/admin/certificates/NOPE").status_code == 403
    event = only(security_log, "forbidden")
    assert (event["outcome"], event["user"]) == ("denied", user.id)


def test_crlf_in_user_input_cannot_forge_a_line(client, security_log):
    forged = '\r\n{"event":"login","outcome":"success","user":1}\u2028x'
    post(client, f"/account/login/{forged}", {"email": "a@b.c", "password": "p"})
    client.get("/healthz?x=" + forged)
    make_user()
    post(
        client,
        "/account/login",
        {"email": "x@example.com" + forged, "password": "a password\r\nwith lines"},
    )
    for line in security_log.lines:
        assert "\n" not in line and "\r" not in line and "\u2028" not in line
        json.loads(line)
    assert [e["outcome"] for e in security_log.events() if e["event"] == "login"] == ["failure"]


def test_password_changes_are_logged_without_secrets(client, security_log):
    user = make_user()
    login(client, user)
    new = "a brand new passphrase"
    post(
        client,
        "/account/password",
        {"current_password": "wrong one!", "new_password": new, "confirm": new},
    )
    post(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": new, "confirm": new},
    )
    outcomes = [(e["event"], e["outcome"], e["user"]) for e in security_log.events()]
    assert outcomes[1:] == [
        ("password_change", "failure", user.id),
        ("password_change", "success", user.id),
    ]
    text = "\n".join(security_log.lines)
    for secret in (PASSWORD, new, user.session_token, "csrf", "session="):
        assert secret not in text


def test_password_resets_are_logged_without_the_link(client, smtp_server, security_log):
    user = make_user()
    post(client, "/account/reset", {"email": user.email})
    (message,) = smtp_server.wait_for(1)
    link = re.search(r"https?://\S+/account/reset/\S+", message.get_body(("plain",)).get_content())
    path = link.group(0).split("campus.test", 1)[1]
    reset = "my new reset passphrase"
    post(client, path, {"password": reset, "confirm": reset})
    post(client, path, {"password": reset, "confirm": reset})
    outcomes = [(e["event"], e["outcome"], e["user"]) for e in security_log.events()]
    assert outcomes == [
        ("password_reset_request", "accepted", user.id),
        ("password_reset", "success", user.id),
        ("password_reset", "invalid_link", "anon"),
    ]
    text = "\n".join(security_log.lines)
    for secret in (reset, path.rsplit("/", 1)[1], "/account/reset/ey"):
        assert secret not in text


def test_cli_role_changes_and_disables_are_logged(runner, security_log):
    user = make_user()
    runner.invoke(args=["users", "set-role", user.email, "instructor"])
    runner.invoke(args=["users", "disable", user.email])
    role = only(security_log, "role_change")
    assert (role["user"], role["previous"], role["role"]) == (user.id, "learner", "instructor")
    assert role["address"] == "cli"
    assert role["route"].endswith(" users set-role")
    disabled = only(security_log, "account_disabled")
    assert disabled["user"] == user.id and disabled["route"].endswith(" users disable")
