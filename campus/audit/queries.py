"""Reads of the audit log: the filtered, paginated page and its CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from campus.accounts.models import User, normalize_email
from campus.audit.models import AuditEntry
from campus.enrollment.models import Enrollment, EnrollmentCode, SeatPack
from campus.exports import spreadsheet_cell
from campus.extensions import db
from campus.organisations.models import Invite, Organisation

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
    "target_name",
    "course_title",
)
CSV_BATCH = 500

#: Names rows of one target type for the page: given ids, {id: label} in one query; given
#: None, every row (used for courses only, to fill the course filter).
TargetNamer = Callable[[set[int] | None], dict[int, str]]
_namers: dict[str, TargetNamer] = {}


def register_namer(target_type: str, namer: TargetNamer) -> None:
    """Each wing names its own rows (a course's title, a thread's title); the kernel stays
    ignorant of them. campus.create_app registers the wings' namers."""
    _namers[target_type] = namer


def name_targets(entries: Iterable[AuditEntry]) -> dict[tuple[str, int], str]:
    """Labels for every target and course of these entries: one query per target type
    present (a handful), never one per row."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.target_id is not None:
            wanted[entry.target_type].add(entry.target_id)
        if entry.course_id is not None:
            wanted["course"].add(entry.course_id)
    names = {}
    for target_type, ids in wanted.items():
        namer = _namers.get(target_type)
        if namer is not None:
            names.update({(target_type, i): label for i, label in namer(ids).items()})
    return names


def course_options() -> list[tuple[int, str]]:
    """(id, title) of every course, by title, for the course filter."""
    namer = _namers.get("course")
    titles = namer(None) if namer else {}
    return sorted(titles.items(), key=lambda pair: pair[1].lower())


def known_actions() -> list[str]:
    """Every action recorded so far, for the filter's suggestions (one query)."""
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )


def user_names(ids: set[int] | None) -> dict[int, str]:
    query = select(User.id, User.full_name, User.email)
    if ids is not None:
        query = query.where(User.id.in_(ids))
    return {i: f"{name} <{email}>" for i, name, email in db.session.execute(query)}


def enrollment_names(ids: set[int] | None) -> dict[int, str]:
    """An enrollment is named by its learner."""
    query = select(Enrollment.id, User.full_name, User.email).join(
        User, User.id == Enrollment.user_id
    )
    if ids is not None:
        query = query.where(Enrollment.id.in_(ids))
    return {i: f"{name} <{email}>" for i, name, email in db.session.execute(query)}


def code_names(ids: set[int] | None) -> dict[int, str]:
    query = select(EnrollmentCode.id, EnrollmentCode.code, EnrollmentCode.label)
    if ids is not None:
        query = query.where(EnrollmentCode.id.in_(ids))
    return {
        i: f"{code} ({label})" if label else code for i, code, label in db.session.execute(query)
    }


def organisation_names(ids: set[int] | None) -> dict[int, str]:
    query = select(Organisation.id, Organisation.name)
    if ids is not None:
        query = query.where(Organisation.id.in_(ids))
    return {i: name for i, name in db.session.execute(query)}


def seat_pack_names(ids: set[int] | None) -> dict[int, str]:
    """A seat pack is named by its organisation, size and invoice or PO reference."""
    query = select(SeatPack.id, Organisation.name, SeatPack.seats, SeatPack.reference).join(
        Organisation, Organisation.id == SeatPack.organisation_id
    )
    if ids is not None:
        query = query.where(SeatPack.id.in_(ids))
    return {
        i: f"{name}: {seats} seats" + (f" ({reference})" if reference else "")
        for i, name, seats, reference in db.session.execute(query)
    }


def invite_names(ids: set[int] | None) -> dict[int, str]:
    query = select(Invite.id, Invite.full_name, Invite.email)
    if ids is not None:
        query = query.where(Invite.id.in_(ids))
    return {i: f"{name} <{email}>" for i, name, email in db.session.execute(query)}


register_namer("user", user_names)
register_namer("organisation", organisation_names)
register_namer("seat_pack", seat_pack_names)
register_namer("invite", invite_names)
register_namer("enrollment", enrollment_names)
register_namer("enrollment_code", code_names)


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
    names: dict[tuple[str, int], str]  # (target type, id) -> label; ("course", id) -> title

    def target_label(self, entry: AuditEntry) -> str:
        if entry.target_id is None:
            return entry.target_type
        name = self.names.get((entry.target_type, entry.target_id))
        label = entry.target_type.replace("_", " ")
        return f"{label}: {name}" if name else f"{label} {entry.target_id}"

    def course_label(self, entry: AuditEntry) -> str:
        if entry.course_id is None:
            return ""
        return self.names.get(("course", entry.course_id)) or f"course {entry.course_id}"


def audit_page(f: AuditFilter, before_id: int | None = None) -> AuditPage:
    """Newest first, PAGE_SIZE rows, in one query whatever the filter, plus one per kind
    of target on the page to name them."""
    query = _filtered(f)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows = db.session.execute(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = [tuple(row) for row in rows[:PAGE_SIZE]]
    names = name_targets(entry for entry, _ in rows)
    return AuditPage(rows=rows, older_than=rows[-1][0].id if more else None, names=names)


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
    query = _filtered(f).order_by(AuditEntry.id).execution_options(yield_per=CSV_BATCH)
    for batch in db.session.execute(query).partitions(CSV_BATCH):
        page = AuditPage(rows=list(batch), older_than=None, names=name_targets(e for e, _ in batch))
        for entry, actor in page.rows:
            _write_row(writer, page, entry, actor)
        yield flush()


def _write_row(writer, page: AuditPage, entry: AuditEntry, actor: User | None) -> None:
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
            spreadsheet_cell(page.names.get((entry.target_type, entry.target_id), "")),
            spreadsheet_cell(page.names.get(("course", entry.course_id), "")),
        ]
    )


def _json(value) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)
