"""The database or Redis out of reach, in process: 503 pages built without the database, one log
line per outage, timeouts that reach PostgreSQL, limits that fall back to memory. The live
drills (a real server stopped, frozen, killed) are in test_outages.py."""

import logging
import sqlite3

import psycopg
import pytest
from sqlalchemy import exc, text

from campus import availability, create_app
from campus.availability import BUSY, DOWN, DatabaseOutage, classify
from campus.config import load_config
from campus.database import apply_engine_options, without_statement_deadline
from campus.extensions import db, limiter
from tests.conftest import FreshContextClient, app_settings, database_url
from tests.factories import make_user
from tests.helpers import login, post
from tests.own_servers import free_port

UNREACHABLE_DATABASE = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
on_postgres = pytest.mark.skipif(
    not database_url().startswith("postgresql"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)


@pytest.fixture
def outage(monkeypatch):
    """A fresh view of the database for this test, so no outage outlives it."""
    fresh = DatabaseOutage()
    monkeypatch.setattr(availability, "OUTAGE", fresh)
    return fresh


@pytest.fixture
def apps():
    made = []

    def make(**settings):
        made.append(create_app({**app_settings(), **settings}))
        made[-1].test_client_class = FreshContextClient
        return made[-1]

    yield make
    for extra in made:
        with extra.app_context():
            db.engine.dispose()


def signed_in_client(app):
    """A client whose session names a user, as a browser's cookie would: loading that user
    is what needs the database."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:some-session-token"
        session["_fresh"] = True
    return client


def test_every_route_answers_503_with_retry_after_when_the_database_is_down(apps, outage, caplog):
    app = apps(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE)
    client = signed_in_client(app)
    caplog.set_level(logging.INFO)
    pages = [client.get(path) for path in ("/dashboard", "/", "/forum/", "/no-such-page")]
    beat = client.post("/api/lessons/1/progress", data=b"{}", content_type="text/plain")
    for response in pages:
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Back in a moment" in response.get_data(as_text=True)
    # The player keeps a beat answered 5xx queued and sends it again (static/js/progress.js).
    assert beat.status_code == 503 and beat.is_json
    assert beat.get_json()["code"] == "unavailable" and beat.headers["Retry-After"] == "5"


def test_an_outage_logs_one_line_not_a_traceback_per_request(apps, outage, caplog):
    app = apps(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE)
    client = signed_in_client(app)
    caplog.set_level(logging.INFO)
    statuses = [client.get("/dashboard").status_code for _ in range(30)]
    assert statuses == [503] * 30
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" since ")[0] for r in lines] == ["database unavailable"]
    assert not any(r.exc_info for r in caplog.records)
    assert outage.refused == 30


def test_the_public_pages_answer_503_too(apps, outage):
    app = apps(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE)
    client = app.test_client()
    code = "ABCD-EFGH-JKMN-PQRS"
    for path in (f"/verify/{code}", f"/verify/{code}.json", "/courses/anything"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "5"


def test_health_answers_for_each_part(apps, outage):
    app = apps(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "unavailable", "redis": "memory", "status": "unavailable"}  # fmt: skip


def test_health_answers_when_rate_limits_are_switched_off(apps):
    """RATELIMIT_ENABLED=0 leaves the limiter without storage: the check says so, no 500."""
    app = apps(RATELIMIT_ENABLED=False)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "disabled", "status": "ok"}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_outage_refuses_at_once_with_one_probe_at_a_time(monkeypatch, caplog):
    clock = Clock()
    monkeypatch.setattr(availability.time, "monotonic", clock)
    outage = DatabaseOutage()
    failure = exc.OperationalError("SELECT 1", {}, psycopg.OperationalError("refused"))
    caplog.set_level(logging.INFO, logger="campus.availability")
    outage.failed(failure)
    assert outage.is_down and outage.refuse()  # within the second: refused, no database
    clock.now += outage.PROBE_EVERY
    assert not outage.refuse()  # the probe goes through
    assert outage.refuse()  # and no second one while it is out
    outage.failed(failure)  # it failed: the next probe a second later
    clock.now += outage.PROBE_EVERY
    assert not outage.refuse()
    outage.answered(sent_at=999.0)  # sent before the outage began: proves nothing
    assert outage.is_down
    outage.answered(sent_at=clock.now)
    assert not outage.is_down and not outage.refuse()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("database unavailable since")
    assert messages[1] == "database back after 2.0 s: 4 requests refused"


def test_a_long_outage_says_so_every_half_minute(monkeypatch, caplog):
    clock = Clock()
    monkeypatch.setattr(availability.time, "monotonic", clock)
    outage = DatabaseOutage()
    failure = exc.OperationalError("SELECT 1", {}, psycopg.OperationalError("refused"))
    caplog.set_level(logging.INFO, logger="campus.availability")
    for _ in range(100):  # 100 failures over 50 s
        outage.failed(failure)
        clock.now += 0.5
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[1] == "database still unavailable after 30 s: 61 requests refused"


def wrapped(original):
    return exc.OperationalError("SELECT 1", {}, original)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (wrapped(psycopg.OperationalError("connection refused")), DOWN),
        (wrapped(psycopg.errors.AdminShutdown("terminating connection")), DOWN),
        (wrapped(psycopg.errors.QueryCanceled("statement timeout")), BUSY),
        (wrapped(psycopg.errors.LockNotAvailable("lock timeout")), BUSY),
        (wrapped(sqlite3.OperationalError("database is locked")), BUSY),
        (wrapped(sqlite3.OperationalError("no such table: users")), None),  # a bug: 500
        (wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")), DOWN),
        (wrapped(psycopg.errors.TooManyConnections("too many clients")), DOWN),
        (wrapped(psycopg.errors.DeadlockDetected("deadlock detected")), None),  # this request's
        (wrapped(psycopg.errors.SerializationFailure("could not serialize")), None),
        (exc.IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("dup")), None),
        (exc.TimeoutError("QueuePool limit reached"), BUSY),
        (ValueError("not the database"), None),
    ],
)
def test_classify(error, kind):
    assert classify(error) == kind


def test_a_session_reused_after_its_connection_broke_is_classified_by_the_break():
    try:
        try:
            raise wrapped(psycopg.OperationalError("server closed the connection"))
        except exc.OperationalError:
            raise exc.PendingRollbackError("Can't reconnect until invalid transaction") from None
    except exc.PendingRollbackError as error:
        assert classify(error) == DOWN
    assert classify(exc.PendingRollbackError("nothing behind it")) is None


def test_timeouts_are_settings_and_reach_only_postgresql(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "2.5")
    monkeypatch.setenv("DATABASE_LOCK_TIMEOUT", "0.5")
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "4")
    config = load_config(tmp_path)
    config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://u@db/campus"
    apply_engine_options(config)
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "connect_args": {
            "connect_timeout": 4,
            "options": "-c statement_timeout=2500 -c lock_timeout=500",
        },
    }
    sqlite_config = {**load_config(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}
    apply_engine_options(sqlite_config)
    assert "connect_args" not in sqlite_config["SQLALCHEMY_ENGINE_OPTIONS"]


@pytest.mark.parametrize("value", ["soon", "0", "-1"])
def test_a_bad_timeout_stops_start_up(monkeypatch, tmp_path, value):
    from campus.config import ConfigError

    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", value)
    with pytest.raises(ConfigError, match="DATABASE_STATEMENT_TIMEOUT"):
        load_config(tmp_path)


@on_postgres
def test_postgresql_sessions_carry_the_timeouts(apps):
    app = apps(DATABASE_STATEMENT_TIMEOUT=0.3, DATABASE_LOCK_TIMEOUT=0.2)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.scalar(text("SHOW statement_timeout")) == "300ms"
        assert connection.scalar(text("SHOW lock_timeout")) == "200ms"
        with pytest.raises(exc.OperationalError) as raised:
            connection.execute(text("SELECT pg_sleep(2)"))
        assert classify(raised.value) == BUSY


@on_postgres
def test_migrations_run_without_the_statement_timeout(apps):
    app = apps(DATABASE_STATEMENT_TIMEOUT=0.3)
    with app.app_context(), db.engine.connect() as connection:
        with without_statement_deadline(connection):
            assert connection.scalar(text("SHOW statement_timeout")) == "0"
            connection.execute(text("SELECT pg_sleep(1.5)"))  # beyond timeout and deadline
        assert connection.scalar(text("SHOW statement_timeout")) == "300ms"


# Redis out of reach: a port nothing listens on.
UNREACHABLE_REDIS = f"redis://127.0.0.1:{free_port()}/0"


def test_login_and_its_throttle_work_while_redis_is_down(apps, caplog):
    app = apps(RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS)
    with app.app_context():
        owner = make_user()
        client = app.test_client()
        login(client, owner)  # 302: signed in
        guesser = app.test_client()
        statuses = [
            post(guesser, "/account/login", {"email": owner.email, "password": "wrong guess!"})
            for _ in range(6)
        ]
    # Still counted (in this process's memory): the ladder's 5, then refused.
    assert [r.status_code for r in statuses] == [401] * 5 + [429]
    assert statuses[-1].headers["Retry-After"]
    assert limiter.counts_in_memory


def test_limited_public_pages_work_while_redis_is_down(apps):
    app = apps(RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS)
    assert app.test_client().get("/verify").status_code == 200


def test_health_says_redis_is_down_and_the_site_still_serves(apps):
    app = apps(RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["redis"] == "unavailable" and answer["status"] == "degraded"
    assert answer["database"] == "ok"


def test_without_the_fallback_a_redis_outage_fails_the_login(apps):
    """What the fallback prevents: the throttle's error reaches the visitor."""
    app = apps(RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False)
    with app.app_context():
        email = make_user().email
    response = post(app.test_client(), "/account/login", {"email": email, "password": "x"})
    assert response.status_code == 500


def test_a_thread_that_meets_the_outage_just_after_another_switched_counts_in_memory(
    apps, monkeypatch
):
    """Two threads' Redis calls fail together; the other thread switches to the fallback
    first. This one's request is still counted (in memory) and served, never a 500."""
    from limits.errors import StorageError

    from campus.extensions import limiter

    app = apps(RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS)
    client = app.test_client()

    def fails_after_the_other_thread_switched(*_args, **_kwargs):
        limiter._storage_dead = True  # what the other thread's handler just did
        raise StorageError(ConnectionError("Connection refused"))

    monkeypatch.setattr(limiter._limiter, "hit", fails_after_the_other_thread_switched)
    response = client.post("/api/lessons/1/progress", data=b"{}")
    assert response.status_code == 400  # the view's own answer: the beat has no CSRF token
    assert limiter.counts_in_memory


def test_memory_limits_have_no_fallback_to_take(apps):
    app = apps(RATELIMIT_STORAGE_URI="memory://")
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is False
    redis_app = apps(RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS)
    options = redis_app.config["RATELIMIT_STORAGE_OPTIONS"]
    assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.5
