"""Login throttling slows the guesser per (account, address), never the owner (OWASP)."""

from campus.extensions import limiter
from tests.factories import PASSWORD, make_user
from tests.helpers import login, post

WRONG = "wrong guess here"


def guess(client, email: str, password: str = WRONG, address: str = "127.0.0.1"):
    return post(
        client,
        "/account/login",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_guesses_are_slowed_per_account_and_address(client):
    user = make_user()
    for _ in range(5):
        assert guess(client, user.email).status_code == 401
    response = guess(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.get_data(as_text=True)


def test_the_owner_on_a_known_device_still_signs_in_during_an_attack(app, client):
    user = make_user()
    login(client, user)  # this browser becomes a known device
    post(client, "/account/logout")
    attacker = app.test_client()
    for _ in range(12):
        guess(attacker, user.email)
    assert guess(attacker, user.email, PASSWORD).status_code == 429
    # Same address as the attacker (a school's staff share one), but a known device.
    assert guess(client, user.email, PASSWORD).status_code == 302


def test_the_owner_from_another_address_still_signs_in(app, client):
    user = make_user()
    for _ in range(12):
        guess(client, user.email, address="203.0.113.9")
    owner = app.test_client()
    assert guess(owner, user.email, PASSWORD, address="198.51.100.4").status_code == 302


def test_guesses_at_other_accounts_from_a_shared_address_lock_no_one_out(app, client):
    for number in range(25):
        assert guess(client, f"nobody{number}@example.com").status_code == 401
    user = make_user()
    assert guess(app.test_client(), user.email, PASSWORD).status_code == 302


def test_a_device_cookie_of_another_account_gives_no_budget(app, client):
    owner, victim = make_user(), make_user()
    login(client, owner)  # a known device, but for owner only
    post(client, "/account/logout")
    for _ in range(5):
        assert guess(client, victim.email).status_code == 401
    assert guess(client, victim.email, PASSWORD).status_code == 429


def test_a_forged_device_cookie_gives_no_budget(app, client):
    user = make_user()
    client.set_cookie(app.config["DEVICE_COOKIE_NAME"], "forged.cookie.value")
    for _ in range(5):
        guess(client, user.email)
    assert guess(client, user.email, PASSWORD).status_code == 429


def test_the_known_device_is_throttled_too(app, client):
    """A stolen laptop's cookie does not give unlimited guesses."""
    user = make_user()
    login(client, user)
    post(client, "/account/logout")
    for _ in range(5):
        assert guess(client, user.email).status_code == 401
    assert guess(client, user.email, PASSWORD).status_code == 429


def test_successful_logins_do_not_count_against_the_limit(client):
    user = make_user()
    for _ in range(7):
        login(client, user)
        post(client, "/account/logout")


def test_a_success_clears_the_pair_budget(client):
    user = make_user()
    for _ in range(4):
        guess(client, user.email)
    assert guess(client, user.email, PASSWORD).status_code == 302
    post(client, "/account/logout")
    client.delete_cookie(client.application.config["DEVICE_COOKIE_NAME"])
    for _ in range(4):
        assert guess(client, user.email).status_code == 401


def test_the_device_cookie_is_signed_long_lived_and_http_only(app, client):
    user = make_user()
    response = login(client, user)
    cookie = next(
        c
        for c in response.headers.getlist("Set-Cookie")
        if c.startswith(app.config["DEVICE_COOKIE_NAME"] + "=")
    )
    assert "HttpOnly" in cookie
    assert "Max-Age=31536000" in cookie


def test_sign_up_keeps_its_per_address_limit(client):
    statuses = [post(client, "/account/signup", {"email": "x"}).status_code for _ in range(11)]
    assert statuses[-1] == 429
    assert limiter.enabled
