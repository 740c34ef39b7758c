"""Sign-up does not reveal who has an account; a new account confirms its address by email.

Everything goes through the real SMTP server in tests/smtp_server.py: the links followed
here are the ones the emails carry.
"""

import re

import pytest
from sqlalchemy import func, select

from campus.accounts import services
from campus.accounts.models import User
from campus.enrollment.models import Enrollment
from campus.extensions import db
from tests.campus.test_security_log import Lines
from tests.factories import PASSWORD, import_fixture_course, make_user
from tests.helpers import login_url, post

NEW = "maya@example.com"
FORM = {
    "full_name": "Maya Chen",
    "email": NEW,
    "password": "lunch duty on tuesdays",
    "confirm": "lunch duty on tuesdays",
}


@pytest.fixture
def security_log():
    import logging

    logger = logging.getLogger("campus.security")
    handler = Lines()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def sign_up(client, **change):
    return post(client, "/account/signup", {**FORM, **change})


def link_in(message, path: str) -> str:
    """The site-relative link to `path` in an email (the test site is http://campus.test)."""
    body = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", body).group(1)


def account(email: str = NEW) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def test_a_new_and_a_registered_email_get_the_same_answer(app, client, smtp_server):
    owner = make_user(email="owner@example.com", name="Olu Owner")
    hash_before = owner.password_hash
    fresh = sign_up(client)
    taken = sign_up(app.test_client(), email="OWNER@example.com", full_name="Someone Else")

    assert fresh.status_code == taken.status_code == 200
    assert fresh.get_data(as_text=True).replace(NEW, "X") == taken.get_data(as_text=True).replace(
        "owner@example.com", "X"
    )
    assert sorted(fresh.headers.keys()) == sorted(taken.headers.keys())
    assert "Check your email" in fresh.get_data(as_text=True)

    smtp_server.wait_for(2)
    (confirm,) = smtp_server.to(NEW)
    (notice,) = smtp_server.to("owner@example.com")
    assert confirm["Subject"] == "Confirm your email for campus"
    assert notice["Subject"] == "Someone tried to sign up with your email"
    notice_text = notice.get_body(("plain",)).get_content()
    assert "/account/login" in notice_text and "/account/reset" in notice_text
    db.session.refresh(owner)
    assert (owner.full_name, owner.password_hash) == ("Olu Owner", hash_before)
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_both_paths_hash_the_password_so_timing_does_not_tell(client, smtp_server, monkeypatch):
    """The costly step (the password hash) runs for a registered email too."""
    calls = []
    real = services.generate_password_hash
    monkeypatch.setattr(services, "generate_password_hash", lambda pw: calls.append(1) or real(pw))
    make_user(email="owner@example.com")
    sign_up(client)
    new_calls = len(calls)
    sign_up(client, email="owner@example.com")
    assert new_calls == 1 and len(calls) == 2


def test_the_emailed_link_confirms_the_address_and_signs_in_once(client, smtp_server):
    assert sign_up(client).status_code == 200
    user = account()
    assert user.role == "learner" and not user.is_confirmed
    assert client.get("/dashboard").status_code == 302  # not signed in yet

    (message,) = smtp_server.wait_for(1)
    link = link_in(message, "/account/confirm/")
    response = client.get(link)
    assert response.status_code == 302 and response.location == "/"
    db.session.refresh(user)
    assert user.is_confirmed
    assert client.get("/dashboard").status_code == 200

    stranger = client.application.test_client()
    again = stranger.get(link)  # a used link signs nobody in
    assert again.status_code == 302 and again.location == "/account/login"
    assert stranger.get("/dashboard").status_code == 302


def test_an_unconfirmed_account_cannot_sign_in_and_gets_a_new_link(client, smtp_server):
    sign_up(client)
    smtp_server.wait_for(1)
    wrong = post(client, "/account/login", {"email": NEW, "password": "not the password!"})
    assert wrong.status_code == 401
    right = post(client, "/account/login", {"email": NEW, "password": FORM["password"]})
    assert right.status_code == 403
    assert "Confirm your email address first" in right.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert account().last_login_at is None
    messages = smtp_server.wait_for(2)
    assert [m["Subject"] for m in messages] == ["Confirm your email for campus"] * 2
    assert client.get(link_in(messages[1], "/account/confirm/")).status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_expired_altered_and_superseded_links_are_refused_clearly(app, client, smtp_server):
    sign_up(client)
    (first,) = smtp_server.wait_for(1)
    link = link_in(first, "/account/confirm/")

    app.config["EMAIL_CONFIRM_MAX_AGE"] = -1
    expired = client.get(link)
    app.config["EMAIL_CONFIRM_MAX_AGE"] = 3600
    assert expired.status_code == 400 and "has expired" in expired.get_data(as_text=True)

    altered = client.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert altered.status_code == 400 and "not valid" in altered.get_data(as_text=True)
    assert client.get("/account/confirm/%00%ff").status_code in (400, 404)

    # Someone signs up again with the address (a second try, or a stranger who got there
    # first): the latest sign-up wins and the earlier link stops working.
    sign_up(client, password="a different passphrase", confirm="a different passphrase")
    second = smtp_server.wait_for(2)[1]
    stale = client.get(link)
    assert stale.status_code == 400 and "newer one" in stale.get_data(as_text=True)
    assert not account().is_confirmed
    assert client.get(link_in(second, "/account/confirm/")).status_code == 302
    assert account().check_password("a different passphrase")


def test_a_code_at_sign_up_enrolls_once_the_address_is_confirmed(client, smtp_server):
    from campus.enrollment.services import create_code

    course = import_fixture_course()
    admin = make_user("admin")
    code = create_code(admin, course.id, max_uses=5)
    db.session.commit()
    owner = make_user(email="owner@example.com")

    refused_new = sign_up(client, code="WRONG-CODE-0000")
    refused_taken = sign_up(client, email="owner@example.com", code="WRONG-CODE-0000")
    assert refused_new.status_code == refused_taken.status_code == 400
    assert "not valid" in refused_new.get_data(as_text=True)
    assert account() is None

    assert sign_up(client, email="owner@example.com", code=code.code).status_code == 200
    assert sign_up(client, code=code.code).status_code == 200
    enrolled = db.session.scalars(select(Enrollment.user_id)).all()
    assert enrolled == [account().id]  # the stranger did not enroll the owner
    db.session.refresh(code)
    assert code.uses == 1

    smtp_server.wait_for(2)
    (confirm,) = smtp_server.to(NEW)
    response = client.get(link_in(confirm, "/account/confirm/"))
    assert response.location == "/dashboard"
    assert course.title in client.get("/dashboard").get_data(as_text=True)
    assert owner.id not in enrolled


def test_the_link_returns_the_learner_to_where_they_were_going(client, smtp_server):
    import_fixture_course()
    post(client, "/account/signup?next=/courses/test-course", FORM)
    (message,) = smtp_server.wait_for(1)
    assert client.get(link_in(message, "/account/confirm/")).location == "/courses/test-course"


def test_sign_up_is_rate_limited(client, smtp_server):
    statuses = [sign_up(client, email=f"visitor{n}@example.com").status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]


def test_sign_up_and_confirmation_write_security_log_lines(client, smtp_server, security_log):
    owner = make_user(email="owner@example.com")
    sign_up(client)
    sign_up(client, email="owner@example.com")
    (message,) = smtp_server.wait_for(2)[:1]
    link = link_in(message, "/account/confirm/")
    client.get(link[:-2] + "zz")
    post(client, "/account/login", {"email": NEW, "password": FORM["password"]})
    client.get(link)
    events = [(e["event"], e["outcome"], e["user"]) for e in security_log.events()]
    new_id = account().id
    assert events == [
        ("signup", "new", new_id),
        ("signup", "existing_email", owner.id),
        ("email_confirm", "invalid_link", "anon"),
        ("login", "unconfirmed", new_id),
        ("forbidden", "denied", "anon"),  # the login page's 403, as every 403 is logged
        ("email_confirm", "success", new_id),
    ]
    token = link.rsplit("/", 1)[1]
    assert all(token[:20] not in line for line in security_log.lines)  # never the link


def test_development_shows_the_link_on_the_page(app, client, monkeypatch):
    """make run: FLASK_DEBUG on, mail written to files, no SMTP server needed."""
    monkeypatch.setattr(app, "debug", True)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    page = sign_up(client).get_data(as_text=True)
    link = re.search(r'href="(http://[^"]+/account/confirm/[^"]+)"', page).group(1)
    assert client.get(link.split("campus.test", 1)[1]).status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_production_never_shows_the_link(app, client, smtp_server):
    assert app.debug is False
    page = sign_up(client).get_data(as_text=True)
    assert "/account/confirm/" not in page and "Development only" not in page


def test_a_password_reset_also_proves_the_address(client, smtp_server):
    sign_up(client)
    smtp_server.wait_for(1)
    post(client, "/account/reset", {"email": NEW})
    reset = smtp_server.wait_for(2)[1]
    path = link_in(reset, "/account/reset/")
    new = "my new reset passphrase"
    assert post(client, path, {"password": new, "confirm": new}).status_code == 302
    assert account().is_confirmed
    assert post(client, "/account/login", {"email": NEW, "password": new}).status_code == 302


def test_demo_and_staff_made_accounts_are_confirmed(runner):
    assert runner.invoke(args=["users", "demo"]).exit_code == 0
    users = db.session.scalars(select(User)).all()
    assert len(users) == 3 and all(user.is_confirmed for user in users)


def test_existing_accounts_migrate_as_confirmed(app):
    """Accounts from before the migration are confirmed by it, so nobody is locked out."""
    from flask_migrate import downgrade, upgrade

    make_user(email="before@example.com")
    db.session.remove()
    downgrade(revision="0009")
    assert "email_confirmed_at" not in {
        column["name"] for column in db.inspect(db.engine).get_columns("users")
    }
    upgrade()
    user = account("before@example.com")
    assert user.is_confirmed and user.email_confirmed_at == user.created_at
    assert (
        post(
            app.test_client(), "/account/login", {"email": user.email, "password": PASSWORD}
        ).status_code
        == 302
    )


def test_a_signed_out_form_post_comes_back_to_a_page_that_answers_get(client):
    """Anonymous POST to a signed-in route: after login the browser must land on a GET page,
    not on the POST-only address (which answered 405)."""
    import_fixture_course()
    course_page = "http://campus.test/courses/test-course"
    from_page = post(client, "/courses/test-course/enroll", headers={"Referer": course_page})
    assert from_page.status_code == 302
    assert from_page.location == login_url("/courses/test-course")
    from_nowhere = post(client, "/courses/test-course/enroll")
    assert from_nowhere.location == "/account/login"
    from_post_only = post(
        client,
        "/courses/test-course/enroll",
        headers={"Referer": "http://campus.test/courses/test-course/enroll"},
    )
    assert from_post_only.location == "/account/login"
    from_elsewhere = post(
        client, "/courses/test-course/enroll", headers={"Referer": "https://evil.example/x"}
    )
    assert from_elsewhere.location == "/account/login"
    page = client.get("/courses/test-course/lessons/lesson-one")
    assert page.location == login_url("/courses/test-course/lessons/lesson-one")
