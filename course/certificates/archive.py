"""The ZIP of a course's certificate PDFs, built by a job into a file named for what it
holds, so the same certificates are never zipped twice and a half-written file is never
served.

A version is a digest of what the PDFs show that can change (each certificate's code and
whether it was revoked or superseded): a certificate issued, revoked or reissued makes a
new version, and a new file. Files live in EXPORT_DIR on the machine that built them;
several app machines need that folder shared.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from campus.extensions import db
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
    digest = hashlib.sha256(repr([tuple(map(str, row)) for row in rows]).encode())
    return digest.hexdigest()[:16]


def zip_job_key(course_id: int, version: str) -> str:
    """The key of the one job that builds this version (campus.jobs.services.enqueue)."""
    return f"certificates-zip:{course_id}:{version}"


def zip_path(course_id: int, version: str) -> Path:
    return Path(current_app.config["EXPORT_DIR"]) / f"certificates-{course_id}-{version}.zip"


def write_once(path: Path, data: bytes) -> None:
    """Write beside the target, then rename over it: a reader sees all of it or nothing,
    and a worker killed mid-write leaves only a stray .part file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)
