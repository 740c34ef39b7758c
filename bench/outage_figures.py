"""Outage figures: a live app (gunicorn, 2 workers) on a PostgreSQL and a Redis of this
script's own, with player-like clients sending progress beats while PostgreSQL is stopped
(pg_ctl stop -m immediate), then frozen (SIGSTOP), and Redis killed. Prints, per fault, the
beat statuses seen, the seconds from the fault's end to the next credited beat, the seconds
sent, credited and lost, the signed-in page and /healthz answers, and the log lines written.

    python bench/outage_figures.py                  # 15 s each, the production timeouts
    python bench/outage_figures.py --seconds 5 --short-timeouts

Never touches the machine's PostgreSQL or Redis. The clients retry a refused beat after
0.2 s (the real player backs off 1 s, 2 s, ... up to 30 s), so "recovered" is the server's
recovery, not the player's back-off.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.outage_drill import Site, run_drill, server_env  # noqa: E402
from tests.own_servers import (  # noqa: E402
    PostgresCluster,
    RedisServer,
    postgres_missing,
    redis_missing,
)

SHORT_TIMEOUTS = ("DATABASE_CONNECT_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT", "DATABASE_LOCK_TIMEOUT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each fault")
    parser.add_argument("--players", type=int, default=3)
    parser.add_argument(
        "--beat-every", type=float, default=0.25, help="seconds between one player's beats"
    )
    parser.add_argument(
        "--short-timeouts", action="store_true", help="the test drills' 2 s/1 s/1 s timeouts"
    )
    args = parser.parse_args()
    for reason in (postgres_missing(), redis_missing()):
        if reason:
            sys.exit(reason)
    logs = Path(tempfile.mkdtemp(prefix="campus-outage-"))
    cluster = PostgresCluster()
    redis = RedisServer()
    try:
        cluster.start()
        cluster.create_database()
        redis.start()
        site = Site(cluster.url)

        def env(extra=None):
            settings = server_env(cluster.url, extra)
            if not args.short_timeouts:
                for name in SHORT_TIMEOUTS:
                    settings.pop(name)
            return settings

        drills = [
            ("PostgreSQL stopped", env(), cluster.stop_immediately, cluster.start),
            ("PostgreSQL frozen", env(), cluster.freeze, cluster.thaw),
            (
                "Redis killed",
                env({"RATELIMIT_STORAGE_URI": redis.url, "RATELIMIT_SINGLE_PROCESS": "0"}),
                redis.kill,
                redis.start,
            ),
        ]
        for number, (name, settings, fault, repair) in enumerate(drills):
            drill = run_drill(
                name,
                site,
                settings,
                fault,
                repair,
                logs / f"server-{number}.log",
                players=args.players,
                fault_seconds=args.seconds,
                beat_every=args.beat_every,
                drain=300.0,  # every queued beat is sent before the credit is counted
            )
            print(drill.report(), flush=True)
            for line in drill.log_lines:
                if '"event"' not in line:
                    print("    log: " + line[:160])
        site.close()
    finally:
        redis.destroy()
        cluster.destroy()


if __name__ == "__main__":
    main()
