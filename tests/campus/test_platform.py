"""Security headers, error pages, health, configuration refusal, migrations."""

import tempfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from campus import create_app
from campus.config import ConfigError
from campus.extensions import db
from campus.security import is_safe_redirect
from tests.conftest import app_settings
from tests.factories import make_user
from tests.helpers import login


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path", ["/", "/account/login", "/no-such-page", "/static/css/app.css", "/healthz"]
)
def test_security_headers_everywhere(client, path):
    response = client.get(path)
    assert_security_headers(response)
    response.close()


def test_signed_in_pages_are_not_cached(client, course):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(client, make_user())
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"


@pytest.fixture
def production_app():
    """Build apps with production settings; their database engines are closed afterwards."""
    made = []

    def make(**extra):
        made.append(build_production_app(**extra))
        return made[-1]

    yield make
    for extra_app in made:
        with extra_app.app_context():
            db.engine.dispose()


def build_production_app(**extra):
    settings = {
        **app_settings(),
        "TESTING": False,
        "DEBUG": False,
        "PUBLIC_BASE_URL": "https://ce.example.org",
        "RATELIMIT_SINGLE_PROCESS": True,
        **extra,
    }
    return create_app(settings)


def test_production_sets_secure_cookies_and_hsts(monkeypatch, production_app):
    monkeypatch.delenv("SECURE_COOKIES", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = production_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_refuses_per_worker_rate_limits_in_production():
    with pytest.raises(ConfigError, match="RATELIMIT_SINGLE_PROCESS=1"):
        build_production_app(RATELIMIT_SINGLE_PROCESS=False)


@pytest.mark.parametrize(
    "extra",
    [
        {"RATELIMIT_SINGLE_PROCESS": True},
        {"RATELIMIT_SINGLE_PROCESS": False, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/13"},
        {"RATELIMIT_SINGLE_PROCESS": False, "RATELIMIT_ENABLED": False},
        {"RATELIMIT_SINGLE_PROCESS": False, "DEBUG": True},
    ],
)
def test_starts_with_shared_or_intended_single_process_limits(production_app, extra):
    assert production_app(**extra).config["RATELIMIT_STORAGE_URI"]


def test_make_run_starts_with_in_memory_limits(monkeypatch):
    """make run: FLASK_DEBUG=1 and the default memory:// storage."""
    for name in ("RATELIMIT_STORAGE_URI", "RATELIMIT_SINGLE_PROCESS", "TESTING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    from campus.config import check_rate_limit_storage, load_config

    config = load_config(Path(tempfile.mkdtemp()))
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    check_rate_limit_storage({**config, "DEBUG": True})


@pytest.mark.parametrize("key", ["", "dev", "change-me", "short"])
def test_refuses_to_start_without_a_real_secret_key(key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        build_production_app(SECRET_KEY=key)


@pytest.mark.parametrize("base", ["", "ce.example.org"])
def test_refuses_to_start_without_a_public_base_url(base):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        build_production_app(PUBLIC_BASE_URL=base)


def test_a_forged_host_never_reaches_a_reset_email(production_app, tmp_path):
    app = production_app(
        TRUSTED_PROXIES=1,
        SERVER_NAME=None,
        WTF_CSRF_ENABLED=False,
        MAIL_SERVER="",
        MAIL_DIR=str(tmp_path),
    )
    user = make_user()
    response = app.test_client().post(
        "/account/reset",
        data={"email": user.email},
        base_url="https://evil.example",
        headers={"X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 302
    response.close()  # as a server does once the answer is sent; the email goes out then
    [email] = tmp_path.glob("*.eml")
    text = email.read_text()
    assert "https://ce.example.org/account/reset/" in text
    assert "evil.example" not in text


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/dashboard", True),
        ("/courses/x?y=1", True),
        ("//evil.example", False),
        ("https://evil.example", False),
        ("/\\evil.example", False),
        ("", False),
        (None, False),
        ("javascript:alert(1)", False),
        ("/\tevil", False),
    ],
)
def test_safe_redirect(target, safe):
    assert is_safe_redirect(target) is safe


@pytest.mark.parametrize(
    ("method", "path", "status", "text"),
    [
        ("GET", "/no-such-page", 404, "There is nothing at this address"),
        ("POST", "/", 405, "does not accept that kind of request"),
    ],
)
def test_error_pages(client, method, path, status, text):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert_security_headers(response)


def test_too_large_request_gets_413(client):
    response = client.post("/account/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)


def test_500_page_shows_no_stack_trace(caplog, production_app):
    app = production_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "secret internal detail" not in body and "Traceback" not in body
    assert "secret internal detail" in caplog.text  # logged for the operator
    assert_security_headers(response)


def test_json_clients_get_json_errors(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.is_json and "error" in response.get_json()


def test_healthz_reports_database_and_rate_limit_storage(client):
    answer = client.get("/healthz").get_json()
    assert answer == {"status": "ok", "database": "ok", "redis": "memory"}


def test_healthz_is_503_when_the_database_is_down(production_app):
    app = production_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"
    assert response.get_json()["status"] == "unavailable"


def test_migrations_match_the_models(app):
    """Upgrading an empty database (the app fixture does) leaves no pending autogenerate diff."""
    # The same options `flask db migrate` uses (e.g. search indexes kept out of the models).
    options = {"compare_type": True, **app.extensions["migrate"].configure_args}
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        assert compare_metadata(context, db.metadata) == []


def test_downgrade_to_empty_and_back(app):
    from flask_migrate import downgrade, upgrade

    downgrade(revision="base")
    assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
    upgrade()
    assert "users" in db.inspect(db.engine).get_table_names()
