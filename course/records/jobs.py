"""The audit packet's jobs: building one, and the periodic purge past retention."""

from __future__ import annotations

import hashlib
import io
import zipfile

from sqlalchemy import update

from campus.extensions import db
from campus.jobs.registry import job, periodic
from campus.models import utcnow
from campus.storage import storage
from course.models import Course
from course.records import queries, services
from course.records.models import AuditPacket


@job("records.audit_packet")
def build_audit_packet(packet_id: int) -> bool:
    """Build the ZIP in memory and put it in storage in one atomic write, so a build that
    fails midway leaves no file, and the queue retries it; False when already built.

    Progress (files done) is written on its own connection at each tenth of the files, so
    the page shows it without the build's session committing (a commit would expire every
    certificate loaded, and reload each one: a query per learner).
    """
    packet = db.session.get(AuditPacket, packet_id)
    if packet is None or packet.built_at is not None or packet.purged_at is not None:
        return False
    course = db.session.get(Course, packet.course_id)
    span = queries.Range(packet.starts_on, packet.ends_on)
    total = queries.packet_file_count(course.id, span)
    _progress(packet_id, 0, total)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, (name, data) in enumerate(queries.packet_files(course, span), start=1):
            archive.writestr(name, data)
            if done * 10 // total != (done - 1) * 10 // total:
                _progress(packet_id, done, total)
    data = buffer.getvalue()
    storage().put(packet.storage_key, data, "application/zip")
    packet.sha256 = hashlib.sha256(data).hexdigest()
    packet.size_bytes = len(data)
    packet.files_done = packet.files_total = done
    packet.built_at = utcnow()
    db.session.commit()
    return True


def _progress(packet_id: int, done: int, total: int) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            update(AuditPacket)
            .where(AuditPacket.id == packet_id)
            .values(files_done=done, files_total=total)
        )


@job("records.purge_packets")
def purge_packets() -> int:
    """Purge packets past PACKET_RETENTION_DAYS (the periodic run of `flask records purge`)."""
    purged = services.purge_expired()
    db.session.commit()
    return purged


periodic("records.purge_packets", "PACKET_PURGE_CRON")
