"""Sign-up, login, logout, sessions that end, password change and reset, profile."""

import re

import pytest
from sqlalchemy import func, select

from campus.accounts.models import User
from campus.extensions import db
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token_for, login, post

GOOD = {
    "full_name": "Maya Chen",
    "email": "maya@example.com",
    "password": "lunch duty on tuesdays",
    "confirm": "lunch duty on tuesdays",
}


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_sign_up_creates_an_unconfirmed_learner_who_is_not_signed_in_yet(client):
    """The email link signs the learner in (tests/campus/test_signup_confirmation.py)."""
    response = post(client, "/account/signup", GOOD)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    user = db.session.scalar(select(User))
    assert (user.email, user.full_name, user.role) == ("maya@example.com", "Maya Chen", "learner")
    assert user.password_hash != GOOD["password"]
    assert not user.is_confirmed
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"full_name": ""}, "This field is required"),
        ({"email": "not-an-email"}, "Invalid email address"),
        ({"password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"password": "password123", "confirm": "password123"}, "too common"),
        ({"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"}, "too common"),
        ({"password": "maya@example.com", "confirm": "maya@example.com"}, "name or email"),
        ({"confirm": "something else entirely"}, "do not match"),
        ({"password": "x" * 300, "confirm": "x" * 300}, "Field cannot be longer"),
    ],
)
def test_sign_up_refuses_bad_input_and_creates_nothing(client, change, message):
    response = post(client, "/account/signup", {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert user_count() == 0


def test_sign_up_with_a_taken_email_changes_nothing_and_does_not_say_so(client):
    make_user(email="maya@example.com")
    response = post(client, "/account/signup", {**GOOD, "email": "MAYA@example.com"})
    assert response.status_code == 200
    assert "already exists" not in response.get_data(as_text=True)
    assert user_count() == 1


def test_long_passphrase_is_welcome(client):
    phrase = "the sensory corner by the window is where mornings start " * 3
    response = post(client, "/account/signup", {**GOOD, "password": phrase, "confirm": phrase})
    assert response.status_code == 200


def test_login_with_wrong_password_fails_clearly(client):
    user = make_user()
    response = post(client, "/account/login", {"email": user.email, "password": "wrong password!"})
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_disabled_account_cannot_log_in(client):
    user = make_user()
    user.is_disabled = True
    db.session.commit()
    response = post(client, "/account/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_login_rejects_offsite_next(client):
    user = make_user()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = post(
            client, f"/account/login?next={target}", {"email": user.email, "password": PASSWORD}
        )
        assert response.headers["Location"].endswith("/dashboard"), target
        post(client, "/account/logout")
    response = post(
        client, "/account/login?next=/courses/x", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/courses/x")


def copied_cookie_client(app, client):
    """A second client holding a copy of the first client's session cookie."""
    thief = app.test_client()
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name, domain="campus.test")
    thief.set_cookie(name, cookie.value, domain=cookie.domain)
    return thief


def test_logout_ends_copied_sessions(app, client):
    user = make_user()
    login(client, user)
    thief = copied_cookie_client(app, client)
    assert thief.get("/dashboard").status_code == 200
    post(client, "/account/logout")
    assert thief.get("/dashboard").status_code == 302


def test_remember_me_cookie_dies_on_logout(app, client):
    user = make_user()
    post(client, "/account/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    name = app.config["REMEMBER_COOKIE_NAME"]
    remember = client.get_cookie(name, domain="campus.test")
    assert remember is not None
    other = app.test_client()
    other.set_cookie(name, remember.value, domain=remember.domain)
    assert other.get("/dashboard").status_code == 200
    post(client, "/account/logout")
    fresh = app.test_client()
    fresh.set_cookie(name, remember.value, domain=remember.domain)
    assert fresh.get("/dashboard").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client):
    user = make_user()
    login(client, user)
    other = copied_cookie_client(app, client)
    new = "a brand new passphrase"
    response = post(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_password_change_needs_the_current_password(client):
    user = make_user()
    login(client, user)
    new = "a brand new passphrase"
    response = post(
        client,
        "/account/password",
        {"current_password": "not it at all", "new_password": new, "confirm": new},
    )
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_disabling_an_account_ends_its_sessions(client, runner):
    user = make_user()
    login(client, user)
    result = runner.invoke(args=["users", "disable", user.email])
    assert result.exit_code == 0, result.output
    assert client.get("/dashboard").status_code == 302


def test_profile_saves_name_license_and_time_zone(client):
    user = make_user()
    login(client, user)
    page = client.get("/account/profile").get_data(as_text=True)
    assert '<option selected value="America/New_York">' in page  # the site default
    response = post(
        client,
        "/account/profile",
        {
            "full_name": "  Maya   R. Chen ",
            "license_state": "oh",
            "license_number": "OT-1234",
            "time_zone": "America/Denver",
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.license_state, user.license_number, user.time_zone) == (
        "Maya R. Chen",
        "OH",
        "OT-1234",
        "America/Denver",
    )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"license_state": "Ohio", "time_zone": "America/Chicago"}, "two-letter state code"),
        ({"time_zone": "Mars/Olympus_Mons"}, "Choose a time zone from the list."),
    ],
)
def test_profile_rejects_bad_input_and_keeps_saved_values(client, form, message):
    user = make_user(name="Saved Name")
    user.time_zone = "America/Phoenix"
    db.session.commit()
    login(client, user)
    response = post(client, "/account/profile", {"full_name": "New Name", **form})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.full_name, user.time_zone) == ("Saved Name", "America/Phoenix")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("America/Los_Angeles", "America/Los_Angeles"), ("Not/AZone", None), ("", None)],
)
def test_signup_keeps_the_browser_time_zone_when_it_is_a_real_one(client, sent, kept):
    response = post(
        client,
        "/account/signup",
        {
            "full_name": "Robin Ortiz",
            "email": "robin@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "time_zone": sent,
        },
    )
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.email == "robin@example.org"))
    assert user.time_zone == kept


def reset_link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/account/reset/\S+", body).group(0)


def test_password_reset_by_email_works_once(client, smtp_server):
    user = make_user()
    response = post(client, "/account/reset", {"email": user.email})
    assert response.status_code == 302
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == user.email
    path = reset_link(message).split("campus.test", 1)[1]
    assert client.get(path).status_code == 200
    new = "my new reset passphrase"
    assert post(client, path, {"password": new, "confirm": new}).status_code == 302
    db.session.refresh(user)
    assert user.check_password(new)
    again = post(
        client, path, {"password": "another passphrase here", "confirm": "another passphrase here"}
    )
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_reset_for_unknown_email_sends_nothing_and_says_the_same(client, smtp_server):
    response = post(
        client, "/account/reset", {"email": "nobody@example.com"}, follow_redirects=True
    )
    assert "If that email has an account" in response.get_data(as_text=True)
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_expired_and_forged_reset_tokens_are_refused(app, client, monkeypatch):
    from campus.accounts.services import make_reset_token

    user = make_user()
    token = make_reset_token(user)
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
        assert "expired" in client.get(f"/account/reset/{token}").get_data(as_text=True)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.get(f"/account/reset/{forged}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_cli_creates_staff_accounts(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "boss@example.com",
            "--name",
            "Boss Person",
            "--role",
            "admin",
            "--password",
            "a long admin passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert user.role == "admin"
    bad = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--password",
            "password",
        ]
    )
    assert bad.exit_code != 0
    assert "at least 10 characters" in bad.output


def test_csrf_token_helper_is_honest(client):
    """Posting without a token is refused, so the helper's token is what makes posts work."""
    response = client.post("/account/signup", data=GOOD)
    assert response.status_code == 400
    csrf_token_for(client, client.application)
    assert user_count() == 0


def test_reset_request_answers_the_same_when_the_mail_server_is_down(
    app, client, smtp_server, monkeypatch
):
    from bench.common import free_port

    user = make_user()
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens: refused
    known = post(client, "/account/reset", {"email": user.email}, follow_redirects=True)
    unknown = post(client, "/account/reset", {"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    message = "If that email has an account, a reset link is on its way."
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert smtp_server.messages == []
