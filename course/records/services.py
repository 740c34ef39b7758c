"""Asking for an audit packet, and purging packets past retention. Services flush; the
caller (a view, a CLI command, a job) commits."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from campus.audit.services import record as audit
from campus.database import insert_for
from campus.errors import UserError
from campus.extensions import db
from campus.jobs.services import enqueue
from campus.models import utcnow
from campus.storage import storage
from course.models import Course
from course.records.models import AuditPacket
from course.records.queries import packet_job_key, purgeable

MAX_RANGE_DAYS = 366 * 10  # a decade: more than any board's retention period


def request_packet(actor, course: Course, starts_on: date, ends_on: date) -> AuditPacket:
    """The packet of this course and range asked for today, and its job: a second request
    the same day (or a concurrent one) gets the same row and job, so it is built once."""
    if ends_on < starts_on:
        raise UserError("The range must end on or after the day it starts.", 400)
    if (ends_on - starts_on).days > MAX_RANGE_DAYS:
        raise UserError("Choose a range of at most ten years.", 400)
    key = f"{course.id}:{starts_on.isoformat()}:{ends_on.isoformat()}:{utcnow().date()}"
    inserted = db.session.execute(
        insert_for(AuditPacket)
        .values(
            key=key,
            course_id=course.id,
            starts_on=starts_on,
            ends_on=ends_on,
            requested_by_id=actor.id,
            requested_at=utcnow(),
            files_done=0,
            files_total=0,
            sha256="",
            size_bytes=0,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(AuditPacket.id)
    ).scalar()
    packet = db.session.scalar(select(AuditPacket).where(AuditPacket.key == key))
    audit(
        actor,
        "records.packet_requested",
        "audit_packet",
        packet.id,
        course_id=course.id,
        after={"from": starts_on.isoformat(), "to": ends_on.isoformat()},
        note="" if inserted is not None else "joined the packet already asked for today",
    )
    enqueue("records.audit_packet", packet.id, key=packet_job_key(packet))
    return packet


def purge_expired(now: datetime | None = None) -> int:
    """Delete the files of packets older than PACKET_RETENTION_DAYS and mark them purged.

    Only packet files are ever deleted, each by the key its row names: the records they
    copy (progress, attempts, certificates, reports) are never touched.
    """
    now = now or utcnow()
    files = storage()
    expired = purgeable(now, current_app.config["PACKET_RETENTION_DAYS"])
    for packet in expired:
        files.delete(packet.storage_key)
        packet.purged_at = now
    db.session.flush()
    return len(expired)
