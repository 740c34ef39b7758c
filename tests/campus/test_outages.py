"""Faults of the parts, survived: a live app on PostgreSQL and Redis servers of the test's own,
stopped, frozen and killed while progress beats flow (tests/outage_drill.py runs the drill).

Each drill prints its figures (statuses seen, seconds to recover, seconds lost) in the test
output; bench/outage_figures.py prints the same without pytest.
"""

import json

import pytest

from tests.outage_drill import Browser, Site, run_drill, server_env
from tests.own_servers import PostgresCluster, RedisServer, postgres_missing, redis_missing

pytestmark = pytest.mark.outage

RECOVERY_LIMIT = 5.0  # seconds from the fault's end to the next credited beat
LOG_LINE_LIMIT = 12  # a line or two per worker per outage, never one per request


@pytest.fixture(scope="module")
def cluster():
    reason = postgres_missing()
    if reason:
        pytest.skip(reason)
    own = PostgresCluster()
    try:
        own.start()
        own.create_database()
        yield own
    finally:
        own.destroy()


@pytest.fixture(scope="module")
def site(cluster):
    drill_site = Site(cluster.url)
    yield drill_site
    drill_site.close()


@pytest.fixture
def redis_server():
    reason = redis_missing()
    if reason:
        pytest.skip(reason)
    own = RedisServer()
    own.start()
    yield own
    own.destroy()


def show(capsys, drill) -> None:
    """The drill's figures and the server's log lines, in the test output."""
    with capsys.disabled():
        print("\n" + drill.report())
        for line in drill.log_lines:
            if '"event"' not in line:  # the security log's sign-ins
                print("    log: " + line[:200])


def assert_beats_survived(drill) -> None:
    """No beat answered 500 or anything but 200/503; every 503 said when to retry; beats were
    credited again soon after; every second sent was credited once, none lost or doubled."""
    assert set(drill.during) <= {200, 503}, drill.during
    assert drill.missing_retry_after == 0
    assert drill.recovery_seconds is not None and drill.recovery_seconds < RECOVERY_LIMIT
    assert drill.undrained == 0
    assert drill.credited_seconds == drill.sent_seconds
    assert drill.ledger_seconds == drill.sent_seconds
    assert drill.real_seconds == drill.sent_seconds


def assert_quiet_log(drill) -> None:
    assert len(drill.log_lines) <= LOG_LINE_LIMIT, "\n".join(drill.log_lines[:40])
    assert not any("Traceback" in line for line in drill.log_lines), "\n".join(drill.log_lines)
    assert any("database unavailable since" in line for line in drill.log_lines)
    assert any("database back after" in line for line in drill.log_lines)


def assert_health_answered_fast(drill) -> None:
    """Within a second of what health took before the fault on this machine (on a quiet
    one, a second): never the database's own timeouts (2 s and more in the drill)."""
    assert drill.health[503] > 0, drill.health
    assert set(drill.health) <= {200, 503}
    assert drill.slowest_health < 1.0 + drill.slowest_health_before


def test_a_stopped_database_answers_503_and_recovers(site, cluster, tmp_path, capsys):
    drill = run_drill(
        "PostgreSQL stopped",
        site,
        server_env(cluster.url),
        cluster.stop_immediately,
        cluster.start,
        tmp_path / "server.log",
        fault_seconds=3.0,
    )
    show(capsys, drill)
    assert drill.during[503] > 0
    assert_beats_survived(drill)
    assert set(drill.pages) <= {200, 503} and drill.pages[503] > 0
    assert drill.page_is_campus_503  # the page of its own, not gunicorn's bare error
    assert_health_answered_fast(drill)
    assert_quiet_log(drill)


def test_a_frozen_database_answers_503_within_its_timeouts(site, cluster, tmp_path, capsys):
    """SIGSTOP: the server's kernel still acknowledges every packet, so only the client's own
    deadlines (connect_timeout, the answer deadline) end the waits."""
    drill = run_drill(
        "PostgreSQL frozen",
        site,
        server_env(cluster.url),
        cluster.freeze,
        cluster.thaw,
        tmp_path / "server.log",
        fault_seconds=5.0,
    )
    show(capsys, drill)
    assert drill.during[503] > 0
    assert_beats_survived(drill)
    assert set(drill.pages) <= {200, 503} and drill.page_is_campus_503
    assert_health_answered_fast(drill)
    # A check still waiting on the frozen server says "timeout"; one its deadline ended,
    # "unavailable"; the answer comes within a second either way.
    answers = [json.loads(body)["database"] for body in drill.health_bodies]
    assert "timeout" in answers and set(answers) <= {"timeout", "unavailable", "ok"}, answers
    assert_quiet_log(drill)


def test_login_beats_and_verify_work_while_redis_is_down(site, cluster, redis_server, tmp_path, capsys):  # fmt: skip
    env = server_env(
        cluster.url,
        {"RATELIMIT_STORAGE_URI": redis_server.url, "RATELIMIT_SINGLE_PROCESS": "0"},
    )
    seen = {}

    def while_down(base):
        learner, target = site.new_learners(2)
        seen["login"] = Browser(base).log_in(learner)
        seen["verify"] = Browser(base).request("GET", "/verify").status
        guesser = Browser(base)
        seen["guesses"] = [guesser.log_in(target, "wrong guess!") for _ in range(11)]
        # Health gives an answer again for up to a second (Check.FRESH): long gone by now.
        health = Browser(base).request("GET", "/healthz")
        seen["health"] = (health.status, json.loads(health.body), health.seconds)

    def fault():
        redis_server.kill()

    drill = run_drill(
        "Redis killed",
        site,
        env,
        fault,
        redis_server.start,
        tmp_path / "server.log",
        fault_seconds=8.0,
        during_fault=while_down,
    )
    show(capsys, drill)
    with capsys.disabled():
        print(f"while Redis was down: {seen}")
    assert set(drill.during) == {200}, drill.during  # beats never noticed
    assert drill.credited_seconds == drill.sent_seconds
    assert seen["login"] == 302
    assert seen["verify"] == 200
    status, health, seconds = seen["health"]
    assert status == 200 and health["redis"] == "unavailable" and health["status"] == "degraded"
    assert health["database"] == "ok" and seconds < 1.0
    # Limits still hold, counted per process (2 workers): the ladder's 5 at most twice over.
    guesses = seen["guesses"]
    assert 429 in guesses and guesses.count(401) <= 10 and set(guesses) <= {401, 429}
    assert not any("Traceback" in line for line in drill.log_lines), "\n".join(drill.log_lines)


@pytest.fixture(autouse=True)
def _no_leftover(request):
    yield
    # A frozen cluster left behind would hang the next drill: thaw whatever a failure left.
    if "cluster" in request.fixturenames:
        request.getfixturevalue("cluster").thaw()
