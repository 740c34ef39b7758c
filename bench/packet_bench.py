"""Audit packet build time for a course with 500 learners (target: under 60 s).

    .venv/bin/python bench/packet_bench.py [--learners 500] [--database-url postgresql+psycopg://...]

Seeds the CE fixture course with N certified learners in bulk (tests.factories.
bulk_certified_learners: enrollment, three days of time on task, a passed attempt, an
evaluation and a certificate each), then times the job that builds the packet
(course.records.jobs.build_audit_packet: every file, every PDF drawn as issued, the ZIP put
in storage). Beside it, two references measured in the same minute: the floor (drawing the
same number of PDFs and zipping them, no database) and the bare-Flask ceiling (in-process
requests/s to bench.common.bare_app's template page), so a loaded machine shows as a slower
ceiling rather than a slower packet. The database given is emptied.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def bare_requests_per_second(count: int = 2000) -> float:
    from bench.common import bare_app

    client = bare_app().test_client()
    client.get("/page")
    start = time.perf_counter()
    for _ in range(count):
        client.get("/page")
    return count / (time.perf_counter() - start)


def floor_seconds(snapshot: dict, count: int) -> float:
    """Drawing ``count`` PDFs and zipping them: the part of the packet no query can save."""
    from course.certificates.pdf import render_certificate

    start = time.perf_counter()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(count):
            code = f"BNCH-{index:04d}-AAAA-AAAA"
            archive.writestr(f"{code}.pdf", render_certificate(snapshot, code, "https://x/v"))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="packet-bench-"))
    os.environ["SECURE_COOKIES"] = "0"

    from flask_migrate import upgrade

    from campus import create_app
    from campus.extensions import db
    from campus.models import utcnow
    from campus.storage import storage
    from course.certificates.models import Certificate
    from course.records import services
    from course.records.jobs import build_audit_packet
    from course.records.models import AuditPacket
    from tests.conftest import FIXTURE_CONTENT, _drop_everything
    from tests.factories import bulk_certified_learners, import_ce_course, make_user

    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{folder / 'b.sqlite3'}",
            "CONTENT_DIR": str(FIXTURE_CONTENT),
            "STORAGE_DIR": str(folder / "storage"),
            "MAIL_DIR": str(folder / "mail"),
            "MAIL_SERVER": "",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": "campus.test",
            "TESTING": True,  # no PUBLIC_BASE_URL needed: links name campus.test
            "JOBS_URL": f"sqlite:///{folder / 'jobs.sqlite3'}",  # queued, run by hand below
        }
    )
    with app.app_context():
        _drop_everything()
        upgrade()
        course = import_ce_course()
        seed_start = time.perf_counter()
        bulk_certified_learners(course, args.learners)
        seeded = time.perf_counter() - seed_start
        admin = make_user("admin")
        today = utcnow().date()
        packet = services.request_packet(admin, course, today.replace(day=1), today)
        db.session.commit()
        packet_id = packet.id
        snapshot = db.session.scalar(db.select(Certificate.snapshot).limit(1))
        db.session.remove()
        start = time.perf_counter()
        assert build_audit_packet(packet_id) is True
        took = time.perf_counter() - start
        packet = db.session.get(AuditPacket, packet_id)
        names = zipfile.ZipFile(io.BytesIO(storage().get(packet.storage_key))).namelist()
        floor = floor_seconds(snapshot, args.learners)
        ceiling = bare_requests_per_second()
        print(f"database            {db.engine.dialect.name}")
        print(f"learners            {args.learners} (seeded in {seeded:.1f} s)")
        print(
            f"files in the packet {len(names)} ({sum(n.startswith('pdfs/') for n in names)} PDFs)"
        )
        print(f"packet size         {packet.size_bytes / 1e6:.1f} MB")
        print(f"packet build        {took:.1f} s (target < 60 s)")
        print(f"floor (PDFs + ZIP)  {floor:.1f} s  -> packet is {took / floor:.2f}x the floor")
        print(f"bare-Flask ceiling  {ceiling:.0f} req/s in-process; packet = "
              f"{took * ceiling:.0f} bare requests")  # fmt: skip
        print(f"load average        {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
