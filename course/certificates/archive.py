"""The ZIP of a course's certificate PDFs, built by a job into shared storage under a key
named for what it holds, so the same certificates are never zipped twice, a half-written
file is never served, and any app instance can hand out what another built.

A version is a digest of what the PDFs show that can change (each certificate's code and
whether it was revoked or superseded) and of the code that draws them: a certificate
issued, revoked or reissued, or a new PDF layout, makes a new version and a new file.
Snapshots are frozen at issue, so they need not be read to name a version.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from sqlalchemy import select

from campus.extensions import db
from course.certificates import pdf
from course.certificates.models import Certificate


def zip_version(course_id: int) -> str:
    """16 hex digits naming the course's certificates as they are now (one query)."""
    rows = db.session.execute(
        select(
            Certificate.code,
            Certificate.revoked_at,
            Certificate.revoked_category,
            Certificate.superseded_by_id,
        )
        .where(Certificate.course_id == course_id)
        .order_by(Certificate.code)
    )
    return version_of(rows)


def version_of(rows) -> str:
    """16 hex digits naming these certificate rows (code, revocation, supersession, ...)
    as drawn by the current PDF code: any change in either makes a new version."""
    digest = hashlib.sha256(_pdf_code_hash().encode())
    digest.update(repr([tuple(map(str, row)) for row in rows]).encode())
    return digest.hexdigest()[:16]


@cache
def _pdf_code_hash() -> str:
    return hashlib.sha256(Path(pdf.__file__).read_bytes()).hexdigest()


def zip_job_key(course_id: int, version: str) -> str:
    """The key of the one job that builds this version (campus.jobs.services.enqueue)."""
    return f"certificates-zip:{course_id}:{version}"


def zip_key(course_id: int, version: str) -> str:
    """Where campus.storage keeps this version (a folder or a bucket; writes are atomic)."""
    return f"exports/certificates/{course_id}/{version}.zip"
