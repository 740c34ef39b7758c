"""Enrollment verbs: enroll, withdraw, and enrollment codes (create, revoke, redeem).

They flush and audit, the caller commits. Who may act: a learner enrolls (in an open
course), leaves and redeems codes for themself; instructors and admins enroll and withdraw
anyone (closed courses too); admins create and revoke codes; actor None is the command line.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import exists, select, update

from campus.audit.services import record
from campus.enrollment.models import (
    CODE_ALPHABET,
    CODE_GROUP_LENGTH,
    CODE_GROUPS,
    MAX_CODE_USES,
    Enrollment,
    EnrollmentCode,
    EnrollmentCodeRedemption,
    EnrollmentStatus,
    SeatPack,
)
from campus.enrollment.queries import find_code, find_enrollment, normalize_code
from campus.errors import UserError
from campus.extensions import db
from campus.models import utcnow

UNKNOWN_CODE = "That code is not valid. Check it and try again."
USED_UP = "This code has been used as many times as it allows."


def _activate(user, course_id: int) -> tuple[Enrollment, str | None]:
    """Make the enrollment active (creating it, or resuming a withdrawn one with its records
    and original date); returns it and its status before."""
    enrollment = find_enrollment(user.id, course_id)
    before = enrollment.status if enrollment is not None else None
    if enrollment is None:
        enrollment = Enrollment(user_id=user.id, course_id=course_id)
        db.session.add(enrollment)
    enrollment.status = EnrollmentStatus.ACTIVE.value
    db.session.flush()
    return enrollment, before


def _is_active(enrollment: Enrollment | None) -> bool:
    return enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN


def _check_staff(actor) -> None:
    if actor is not None and not actor.is_staff:
        raise UserError("Only instructors and admins enroll or withdraw other people.", 403)


def enroll(actor, user, course_id: int, *, is_open: bool) -> Enrollment:
    """Enroll `user`; enrolling someone already enrolled returns their enrollment.

    A learner enrolling themself needs an open course; staff (and the CLI) enroll anyone,
    closed courses too. A withdrawn enrollment resumes, keeping its original date.
    """
    by_self = actor is not None and actor.id == user.id
    if not by_self:
        _check_staff(actor)
    enrollment = find_enrollment(user.id, course_id)
    if _is_active(enrollment):
        return enrollment
    if by_self and not is_open:
        raise UserError("This course is not open for enrollment.")
    enrollment, before = _activate(user, course_id)
    _audit(actor, "enrollment.enroll", enrollment, before, note=user.email)
    return enrollment


def withdraw(actor, user, course_id: int, *, started: bool = True) -> Enrollment:
    """Withdraw `user` (staff or CLI), or leave (actor is the user). Every record stays:
    progress, time on task, attempts and certificates; re-enrolling resumes them.

    A sponsored seat goes back to its pack only when no lesson was `started` (the caller,
    which can read progress, says so); a seat someone learned on stays used.
    """
    by_self = actor is not None and actor.id == user.id
    if not by_self:
        _check_staff(actor)
    enrollment = find_enrollment(user.id, course_id)
    if not _is_active(enrollment):
        who = "You are" if by_self else f"{user.email} is"
        raise UserError(f"{who} not enrolled in this course.", 409)
    before = enrollment.status
    enrollment.status = EnrollmentStatus.WITHDRAWN.value
    pack_id = enrollment.seat_pack_id
    if pack_id is not None and not started:
        give_back_seats(pack_id, 1)
        enrollment.seat_pack_id = None
    db.session.flush()
    action = "enrollment.leave" if by_self else "enrollment.withdraw"
    returned = pack_id is not None and not started
    note = f"{user.email}; seat returned to pack {pack_id}" if returned else user.email
    _audit(actor, action, enrollment, before, note=note)
    return enrollment


# --- Seats ---------------------------------------------------------------------------


def take_seats(pack_id: int, count: int) -> bool:
    """Hold `count` seats of a pack, all or none, by one conditional UPDATE: two
    transactions racing for the last seat cannot both see it free (the row lock makes the
    second re-check `held + count <= seats` after the first commits)."""
    if count <= 0:
        return True
    now = utcnow()
    taken = db.session.execute(
        update(SeatPack)
        .where(
            SeatPack.id == pack_id,
            SeatPack.held + count <= SeatPack.seats,
            (SeatPack.expires_at.is_(None)) | (SeatPack.expires_at > now),
        )
        .values(held=SeatPack.held + count)
        .execution_options(synchronize_session=False)
    ).rowcount
    return taken == 1


def give_back_seats(pack_id: int, count: int) -> None:
    if count > 0:
        db.session.execute(
            update(SeatPack)
            .where(SeatPack.id == pack_id, SeatPack.held >= count)
            .values(held=SeatPack.held - count)
            .execution_options(synchronize_session=False)
        )


def seats_refusal(pack: SeatPack, wanted: int = 1) -> UserError:
    """Why a pack could not give `wanted` seats, as a person reads it."""
    db.session.refresh(pack)
    if pack.is_expired(utcnow()):
        return UserError("The seats bought for this course have expired.", 409)
    left = max(pack.seats - pack.held, 0)
    if wanted == 1:
        return UserError("Every seat bought for this course is taken.", 409)
    return UserError(
        f"{wanted:,} seats are needed but only {left:,} remain in this pack, so nobody was "
        "enrolled or invited. Buy more seats or shorten the list.",
        409,
    )


def enroll_on_seat(actor, user, pack: SeatPack, *, seat_held: bool = False) -> Enrollment:
    """Enroll `user` on one of `pack`'s seats (an invite accepted, a CSV row for an existing
    account). `seat_held`: the seat was already taken for them (a pending invite holds one);
    otherwise one is taken here. Someone already enrolled is refused and keeps the seat
    free; a withdrawn learner whose seat stayed used resumes on it."""
    enrollment = find_enrollment(user.id, pack.course_id)
    if _is_active(enrollment):
        if seat_held:
            give_back_seats(pack.id, 1)
        raise UserError(f"{user.email} is already enrolled in this course.", 409)
    if enrollment is not None and enrollment.seat_pack_id is not None:
        if seat_held:
            give_back_seats(pack.id, 1)  # their old seat still counts; this one is spare
    elif not seat_held and not take_seats(pack.id, 1):
        raise seats_refusal(pack)
    enrollment, before = _activate(user, pack.course_id)
    if enrollment.seat_pack_id is None:
        enrollment.seat_pack_id = pack.id
    db.session.flush()
    _audit(actor, "enrollment.seat", enrollment, before, note=f"{user.email}; pack {pack.id}")
    return enrollment


def _audit(actor, action: str, enrollment: Enrollment, before: str | None, note: str) -> None:
    record(
        actor,
        action,
        "enrollment",
        enrollment.id,
        course_id=enrollment.course_id,
        before={"status": before},
        after={"status": enrollment.status, "user_id": enrollment.user_id},
        note=note,
    )


def new_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    return normalize_code(chars)


def create_code(
    actor,
    course_id: int,
    *,
    max_uses: int,
    expires_at: datetime | None = None,
    label: str = "",
    seat_pack: SeatPack | None = None,
) -> EnrollmentCode:
    """A new code; with `seat_pack`, each redemption claims one of the pack's seats."""
    if actor is None or not actor.is_admin:
        raise UserError("Only admins create enrollment codes.", 403)
    if seat_pack is not None and seat_pack.course_id != course_id:
        raise UserError("That seat pack is for another course.")
    if not 1 <= max_uses <= MAX_CODE_USES:
        raise UserError(f"A code allows between 1 and {MAX_CODE_USES:,} uses.")
    if expires_at is not None and expires_at <= utcnow():
        raise UserError("The expiry must be in the future.")
    code = EnrollmentCode(
        course_id=course_id,
        code=new_code(),
        label=" ".join(label.split())[:200],
        max_uses=max_uses,
        expires_at=expires_at,
        created_by_id=actor.id,
        seat_pack_id=seat_pack.id if seat_pack is not None else None,
    )
    db.session.add(code)
    db.session.flush()
    record(
        actor,
        "code.create",
        "enrollment_code",
        code.id,
        course_id=course_id,
        after=_code_facts(code),
        note=code.label,
    )
    return code


def revoke_code(actor, code: EnrollmentCode) -> None:
    if actor is None or not actor.is_admin:
        raise UserError("Only admins revoke enrollment codes.", 403)
    if code.is_revoked:
        raise UserError("This code is already revoked.", 409)
    code.is_revoked = True
    code.revoked_at = utcnow()
    db.session.flush()
    record(
        actor,
        "code.revoke",
        "enrollment_code",
        code.id,
        course_id=code.course_id,
        before={"is_revoked": False},
        after=_code_facts(code),
    )


def _code_facts(code: EnrollmentCode) -> dict:
    return {
        "code": code.code,
        "max_uses": code.max_uses,
        "uses": code.uses,
        "expires_at": code.expires_at.isoformat() if code.expires_at else None,
        "is_revoked": code.is_revoked,
        "seat_pack_id": code.seat_pack_id,
    }


def check_code(text: str) -> None:
    """Refuse a code that could not be redeemed now (unknown, revoked, expired, used up),
    taking nothing: sign-up checks a code the same way whether or not the email has an
    account, so the answer does not reveal which."""
    code = find_code(text)
    if code is None:
        raise UserError(UNKNOWN_CODE)
    _check_usable(code)
    if code.uses >= code.max_uses:
        raise UserError(USED_UP, 409)


def redeem_code(user, text: str, *, course_id: int | None = None) -> Enrollment:
    """Enroll `user` with a code (closed courses too). Unknown, revoked, expired and used-up
    codes raise a clear UserError and change nothing. The use is counted by a conditional
    UPDATE (uses < max_uses), so concurrent redemptions can never exceed the limit."""
    code = find_code(text)
    if code is None or (course_id is not None and code.course_id != course_id):
        raise UserError(UNKNOWN_CODE)
    _check_usable(code)
    if _is_active(find_enrollment(user.id, code.course_id)):
        raise UserError("You are already enrolled in this course; the code was not used.", 409)
    already = db.session.scalar(
        select(
            exists().where(
                EnrollmentCodeRedemption.code_id == code.id,
                EnrollmentCodeRedemption.user_id == user.id,
            )
        )
    )
    if not already:
        _take_one_use(code)
        db.session.add(EnrollmentCodeRedemption(code_id=code.id, user_id=user.id))
    previous = find_enrollment(user.id, code.course_id)
    needs_seat = code.seat_pack_id is not None and (previous is None or not previous.seat_pack_id)
    if needs_seat and not take_seats(code.seat_pack_id, 1):
        raise seats_refusal(db.session.get(SeatPack, code.seat_pack_id))
    enrollment, before = _activate(user, code.course_id)
    if needs_seat:
        enrollment.seat_pack_id = code.seat_pack_id
        db.session.flush()
    record(
        user,
        "code.redeem",
        "enrollment_code",
        code.id,
        course_id=code.course_id,
        before={"status": before},
        after=_redeemed_facts(enrollment, code),
        note="redeemed again: no new use" if already else "",
    )
    return enrollment


def _redeemed_facts(enrollment: Enrollment, code: EnrollmentCode) -> dict:
    facts = {"status": enrollment.status, "uses": code.uses}
    if enrollment.seat_pack_id is not None:
        facts["seat_pack_id"] = enrollment.seat_pack_id
    return facts


def _check_usable(code: EnrollmentCode) -> None:
    if code.is_revoked:
        raise UserError("This code has been revoked. Ask whoever gave it to you for a new one.")
    if code.is_expired(utcnow()):
        raise UserError("This code has expired. Ask whoever gave it to you for a new one.")


def _take_one_use(code: EnrollmentCode) -> None:
    now = utcnow()
    taken = db.session.execute(
        update(EnrollmentCode)
        .where(
            EnrollmentCode.id == code.id,
            EnrollmentCode.uses < EnrollmentCode.max_uses,
            EnrollmentCode.is_revoked.is_(False),
            (EnrollmentCode.expires_at.is_(None)) | (EnrollmentCode.expires_at > now),
        )
        .values(uses=EnrollmentCode.uses + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(code)
    if taken != 1:
        _check_usable(code)  # revoked or expired a moment ago
        raise UserError(USED_UP, 409)
