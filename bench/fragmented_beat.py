"""In-process latency of one normal heartbeat for a learner whose progress row was
fragmented (issue 15, finding 4), with many recent viewing sessions. Runs on SQLite in a
temporary directory; record_heartbeat is timed directly (no HTTP), median of --beats beats.

    python bench/fragmented_beat.py --intervals 50000 --sessions 20000
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.progress_bench import LESSON_SECONDS, make_app, rebuild_schema, seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", type=int, default=50000, help="fragments in the row")
    parser.add_argument("--sessions", type=int, default=20000, help="recent viewing sessions")
    parser.add_argument("--beats", type=int, default=15)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="campus-frag-"))
    app = make_app(f"sqlite:///{tmp / 'frag.sqlite3'}", secrets.token_hex(16), str(tmp))
    rebuild_schema(app)
    slots = seed(app, 1, 3, random.Random(1))
    from sqlalchemy import insert, select

    from campus.accounts.models import User
    from campus.extensions import db
    from course.models import Lesson
    from course.progress.heartbeat import Heartbeat
    from course.progress.models import LessonProgress, ViewingSession
    from course.progress.services import record_heartbeat

    slot = slots[0]
    now = datetime.now(UTC)
    with app.app_context():
        step = LESSON_SECONDS / args.intervals
        fragments = [
            [round(i * step, 4), round(i * step + step / 2, 4)] for i in range(args.intervals)
        ]
        row = db.session.scalar(
            select(LessonProgress).where(
                LessonProgress.user_id == slot["user_id"],
                LessonProgress.lesson_id == slot["lesson_id"],
            )
        )
        row.watched_intervals = fragments[: args.intervals]
        row.watched_seconds = sum(e - s for s, e in fragments)
        db.session.execute(
            insert(ViewingSession),
            [
                {
                    "user_id": slot["user_id"],
                    "lesson_id": slot["lesson_id"],
                    "started_at": now - timedelta(seconds=i * 4),
                    "last_sequence": 0,
                    "credited_seconds": 0.0,
                }
                for i in range(args.sessions)
            ],
        )
        session = ViewingSession(
            user_id=slot["user_id"],
            lesson_id=slot["lesson_id"],
            started_at=now - timedelta(hours=2),
        )
        db.session.add(session)
        db.session.commit()
        user = db.session.get(User, slot["user_id"])
        lesson = db.session.get(Lesson, slot["lesson_id"])
        timings = []
        for seq in range(1, args.beats + 1):
            start = 10.0 * seq
            beat = Heartbeat(session.id, seq, [(start, start + 10.0)], start + 10.0, 1.0)
            began = time.perf_counter()
            record_heartbeat(user, lesson, beat)
            db.session.commit()
            timings.append((time.perf_counter() - began) * 1000)
            user, lesson = db.session.get(User, user.id), db.session.get(Lesson, lesson.id)
        row = db.session.scalar(select(LessonProgress).where(LessonProgress.id == row.id))
        print(
            f"row fragmented into {args.intervals} intervals, {args.sessions} recent sessions: "
            f"first beat {timings[0]:.0f} ms, median of the rest "
            f"{statistics.median(timings[1:]):.0f} ms; "
            f"row now {len(row.watched_intervals)} intervals"
        )


if __name__ == "__main__":
    main()
