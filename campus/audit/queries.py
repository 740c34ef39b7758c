"""Reads of the audit log: the filtered, paginated page and its CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from campus.accounts.models import User, normalize_email
from campus.audit.models import AuditEntry
from campus.exports import spreadsheet_cell
from campus.extensions import db

PAGE_SIZE = 100
CSV_HEADER = (
    "id",
    "when_utc",
    "actor_email",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "course_id",
    "before",
    "after",
    "note",
)


@dataclass(frozen=True)
class AuditFilter:
    """What the admin asked for; unknown or malformed values are dropped, never an error."""

    action: str = ""
    actor: str = ""
    target_type: str = ""
    target_id: int | None = None
    course_id: int | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> AuditFilter:
        return cls(
            action=args.get("action", "").strip()[:60],
            actor=args.get("actor", "").strip()[:254],
            target_type=args.get("target_type", "").strip()[:40],
            target_id=parse_int(args.get("target_id")),
            course_id=parse_int(args.get("course_id")),
            since=_date(args.get("since")),
            until=_date(args.get("until")),
        )

    def as_args(self) -> dict:
        values = {
            "action": self.action,
            "actor": self.actor,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "course_id": self.course_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {key: value for key, value in values.items() if value not in (None, "")}


def parse_int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filtered(f: AuditFilter) -> Select:
    query = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.actor_id)
    if f.action:
        # "forum" matches every forum.* action; a full name matches exactly that action.
        query = query.where(
            (AuditEntry.action == f.action) | AuditEntry.action.startswith(f.action + ".")
        )
    if f.actor == "cli":
        query = query.where(AuditEntry.actor_id.is_(None))
    elif f.actor:
        query = query.where(User.email == normalize_email(f.actor))
    if f.target_type:
        query = query.where(AuditEntry.target_type == f.target_type)
    if f.target_id is not None:
        query = query.where(AuditEntry.target_id == f.target_id)
    if f.course_id is not None:
        query = query.where(AuditEntry.course_id == f.course_id)
    if f.since:
        query = query.where(AuditEntry.created_at >= datetime.combine(f.since, time(), UTC))
    if f.until:
        end = datetime.combine(f.until + timedelta(days=1), time(), UTC)
        query = query.where(AuditEntry.created_at < end)
    return query


@dataclass
class AuditPage:
    rows: list[tuple[AuditEntry, User | None]]
    older_than: int | None  # the id to continue from, when more rows exist


def audit_page(f: AuditFilter, before_id: int | None = None) -> AuditPage:
    """Newest first, PAGE_SIZE rows, in one query whatever the filter."""
    query = _filtered(f)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows = db.session.execute(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = [tuple(row) for row in rows[:PAGE_SIZE]]
    return AuditPage(rows=rows, older_than=rows[-1][0].id if more else None)


def audit_csv(f: AuditFilter) -> str:
    """Every matching row, oldest first; cells safe to open in a spreadsheet."""
    return "".join(_csv_chunks(f))


def _csv_chunks(f: AuditFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_HEADER)
    yield flush()
    query = _filtered(f).order_by(AuditEntry.id).execution_options(yield_per=500)
    for entry, actor in db.session.execute(query):
        writer.writerow(
            [
                entry.id,
                entry.created_at.isoformat(timespec="seconds"),
                spreadsheet_cell(actor.email if actor else "command line"),
                spreadsheet_cell(actor.full_name if actor else ""),
                entry.action,
                entry.target_type,
                entry.target_id if entry.target_id is not None else "",
                entry.course_id if entry.course_id is not None else "",
                spreadsheet_cell(_json(entry.before)),
                spreadsheet_cell(_json(entry.after)),
                spreadsheet_cell(entry.note),
            ]
        )
        yield flush()


def _json(value) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)
