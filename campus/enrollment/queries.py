"""Reads about enrollment: one learner's row in one course, and enrollment codes."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select

from campus.enrollment.models import (
    CODE_GROUP_LENGTH,
    CODE_GROUPS,
    Enrollment,
    EnrollmentCode,
    EnrollmentStatus,
    SeatPack,
)
from campus.extensions import db
from campus.organisations.models import Organisation

_NOT_CODE = re.compile(r"[^0-9A-Z]")


# Built once: every course page asks it (building a statement and its cache key cost about
# as much as running it). The same holds for the other hot-path statements named in capitals.
ENROLLMENT = select(Enrollment).where(
    Enrollment.user_id == bindparam("user_id"), Enrollment.course_id == bindparam("course_id")
)


def find_enrollment(user_id: int, course_id: int) -> Enrollment | None:
    return db.session.scalar(ENROLLMENT, {"user_id": user_id, "course_id": course_id})


def is_enrolled(user_id: int, course_id: int) -> bool:
    enrollment = find_enrollment(user_id, course_id)
    return enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN


def has_any_enrollment(user_id: int) -> bool:
    """Whether the learner is enrolled in some course (where to land after confirming)."""
    query = select(Enrollment.id).where(
        Enrollment.user_id == user_id, Enrollment.status != EnrollmentStatus.WITHDRAWN
    )
    return db.session.scalar(query.limit(1)) is not None


def normalize_code(text: str) -> str:
    """The stored spelling of a typed code: capitals, grouped by dashes; spaces, dashes and
    case as typed do not matter."""
    chars = _NOT_CODE.sub("", (text or "").upper())[: CODE_GROUPS * CODE_GROUP_LENGTH + 4]
    return "-".join(
        chars[i : i + CODE_GROUP_LENGTH] for i in range(0, len(chars), CODE_GROUP_LENGTH)
    )


def find_code(text: str) -> EnrollmentCode | None:
    code = normalize_code(text)
    if not code:
        return None
    return db.session.scalar(select(EnrollmentCode).where(EnrollmentCode.code == code))


def course_codes(course_id: int) -> list[EnrollmentCode]:
    """A course's codes, newest first (one query)."""
    return list(
        db.session.scalars(
            select(EnrollmentCode)
            .where(EnrollmentCode.course_id == course_id)
            .order_by(EnrollmentCode.id.desc())
        )
    )


def pack_choices(course_id: int) -> list[tuple[int, str]]:
    """A course's seat packs as (id, label) choices, with 0 for none (one query)."""
    rows = db.session.execute(
        select(SeatPack, Organisation.name)
        .join(Organisation, Organisation.id == SeatPack.organisation_id)
        .where(SeatPack.course_id == course_id)
        .order_by(Organisation.name, SeatPack.id)
    ).tuples()
    choices = [(0, "No seat pack: the code's own use limit only")]
    for pack, name in rows:
        choices.append(
            (pack.id, f"{name}, {pack.reference} ({pack.seats - pack.held} of {pack.seats} free)")
        )
    return choices
