"""Certificate PDF render time (target: under 100 ms a certificate) and ZIP export throughput.

Run: .venv/bin/python bench/certificate_bench.py [--count 200]
Renders from a snapshot (no database), as the download, email and ZIP paths do.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.certificates.pdf import render_certificate  # noqa: E402
from course.certificates.services import new_code  # noqa: E402

SNAPSHOT = {
    "learner_name": "Jordan Ellis-Moreno",
    "license_state": "OH",
    "license_number": "OT.012345",
    "course_title": "Integrated Push-In Practice for School OTs: From Pull-Out to the Classroom",
    "course_id": "push-in-practice",
    "completed_on": "2026-11-20",
    "issued_on": "2026-11-21",
    "contact_hours": 6.75,
    "ceus": 0.675,
    "ceu_label": "AOTA CEUs",
    "provider_name": "Campus Learning for School Therapists",
    "provider_number": "12345",
    "approval_id": "ACT-0042",
    "instructional_level": "Intermediate",
    "content_focus": "Category 1: Occupational Therapy Service Delivery - Intervention",
    "delivery_format": "Distance Learning - Independent",
    "instructors": [{"name": "Dana Rivera", "credentials": "OTD, OTR/L"}],
    "disclaimer": "The assignment of AOTA CEUs does not imply endorsement of specific course "
    "content, products, or clinical procedures by AOTA.",
    "print_nbcot_note": True,
    "posttest_score": 0.9,
    "evaluation_submitted_on": "2026-11-20",
}


def timed(snapshot: dict, count: int) -> list[float]:
    times = []
    for _ in range(count):
        code = new_code()
        start = time.perf_counter()
        render_certificate(snapshot, code, f"https://ce.example.org/verify/{code}")
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"{label:<34} n={len(times):<4} median {statistics.median(times):6.1f} ms   "
        f"p95 {p95:6.1f} ms   max {max(times):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    timed(SNAPSHOT, 5)  # warm imports and caches
    report("render, Latin-1 (core fonts)", timed(SNAPSHOT, args.count))
    unicode_snapshot = {**SNAPSHOT, "learner_name": "Zoë Łukasz-Nguyễn"}
    report("render, other scripts (DejaVu TTF)", timed(unicode_snapshot, max(20, args.count // 4)))
    start = time.perf_counter()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(args.count):
            code = new_code()
            archive.writestr(
                f"{index}.pdf", render_certificate(SNAPSHOT, code, f"https://x/verify/{code}")
            )
    elapsed = time.perf_counter() - start
    print(
        f"ZIP of {args.count} certificates: {elapsed:.2f} s, "
        f"{len(buffer.getvalue()) / 1024:.0f} KiB "
        f"({args.count / elapsed:.0f} certificates/s)"
    )


if __name__ == "__main__":
    main()
