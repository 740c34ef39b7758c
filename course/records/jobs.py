"""The audit packet's jobs: building one, and the periodic purge past retention."""

from __future__ import annotations

import hashlib
import io
import zipfile

from campus.extensions import db
from campus.jobs.registry import job, periodic
from campus.models import utcnow
from campus.storage import storage
from course.models import Course
from course.records import queries, services
from course.records.models import AuditPacket

PROGRESS_EVERY = 25  # files between progress commits (one commit per file would be 500)


@job("records.audit_packet")
def build_audit_packet(packet_id: int) -> bool:
    """Build the ZIP in memory and put it in storage in one atomic write, so a build that
    fails midway leaves no file, and the queue retries it; False when already built.

    Progress (files done) is committed as it goes, so the page can show it.
    """
    packet = db.session.get(AuditPacket, packet_id)
    if packet is None or packet.built_at is not None or packet.purged_at is not None:
        return False
    course = db.session.get(Course, packet.course_id)
    span = queries.Range(packet.starts_on, packet.ends_on)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, (name, data) in enumerate(queries.packet_files(course, span), start=1):
            archive.writestr(name, data)
            if done % PROGRESS_EVERY == 0 or done <= 8:
                packet.files_done = done
                db.session.commit()
        packet.files_done = done
    data = buffer.getvalue()
    storage().put(packet.storage_key, data, "application/zip")
    packet.sha256 = hashlib.sha256(data).hexdigest()
    packet.size_bytes = len(data)
    packet.built_at = utcnow()
    db.session.commit()
    return True


@job("records.purge_packets")
def purge_packets() -> int:
    """Purge packets past PACKET_RETENTION_DAYS (the periodic run of `flask records purge`)."""
    purged = services.purge_expired()
    db.session.commit()
    return purged


periodic("records.purge_packets", "PACKET_PURGE_CRON")
