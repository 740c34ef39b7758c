"""The one verb of the audit log: record. It adds a row and flushes; the caller commits it
with the action it describes, so an action rolled back leaves no audit row either."""

from __future__ import annotations

from campus.audit.models import AuditEntry
from campus.extensions import db

NOTE_MAX = 2000


def record(
    actor,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    course_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """Add one audit row for `actor` (a User, or None for the command line)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        course_id=course_id,
        before=before,
        after=after,
        note=(note or "")[:NOTE_MAX],
    )
    db.session.add(entry)
    db.session.flush()
    return entry
