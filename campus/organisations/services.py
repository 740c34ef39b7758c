"""Organisation verbs: create one and name its managers, sell it seat packs, invite a
list of people onto a pack, accept an invite, re-send one, free an unclaimed seat.

They flush and audit; the caller commits. Admins do everything; an organisation's
managers re-send invites and free unclaimed seats of their own organisation only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import insert, select, update

from campus.accounts.models import User, normalize_email
from campus.audit.models import AuditEntry
from campus.audit.services import record
from campus.enrollment import services as enrollment
from campus.enrollment.models import MAX_PACK_SEATS, Enrollment, EnrollmentStatus, SeatPack
from campus.enrollment.queries import find_enrollment
from campus.errors import UserError
from campus.extensions import db
from campus.models import utcnow
from campus.organisations.access import manages
from campus.organisations.invite_csv import InviteLine
from campus.organisations.models import (
    Invite,
    InviteStatus,
    Organisation,
    OrganisationManager,
)

INVITE_SALT = "campus.invite"
IN_CHUNK = 500  # addresses per IN (...) list: well under every database's parameter limit


def _check_admin(actor, what: str) -> None:
    if actor is None:
        return  # the command line
    if not actor.is_admin:
        raise UserError(f"Only provider admins {what}.", 403)


def _check_manager(actor, organisation_id: int) -> None:
    if actor is not None and not manages(actor, organisation_id):
        raise UserError("You do not manage this organisation.", 403)


# --- Organisations and managers -------------------------------------------------------


def create_organisation(actor, name: str, manager_emails: list[str]) -> Organisation:
    """A new organisation with at least one manager (existing accounts)."""
    _check_admin(actor, "create organisations")
    name = " ".join((name or "").split())[:200]
    if not name:
        raise UserError("Give the organisation a name.")
    if db.session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise UserError(f"An organisation called {name} already exists.", 409)
    managers = _accounts(manager_emails)
    organisation = Organisation(name=name, created_by_id=actor.id if actor else None)
    db.session.add(organisation)
    db.session.flush()
    record(actor, "organisation.create", "organisation", organisation.id, after={"name": name})
    for user in managers:
        add_manager(actor, organisation, user)
    return organisation


def _accounts(emails: list[str]) -> list[User]:
    wanted = list(dict.fromkeys(normalize_email(e) for e in emails if e and e.strip()))
    if not wanted:
        raise UserError("Name at least one manager (the email of an existing account).")
    found = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(wanted)))}
    missing = [email for email in wanted if email not in found]
    if missing:
        raise UserError(
            "No account has the email " + ", ".join(missing) + ". Ask them to sign up "
            "first, then name them as managers."
        )
    return [found[email] for email in wanted]


def add_manager(actor, organisation: Organisation, user: User) -> OrganisationManager:
    _check_admin(actor, "name organisation managers")
    existing = db.session.scalar(
        select(OrganisationManager).where(
            OrganisationManager.organisation_id == organisation.id,
            OrganisationManager.user_id == user.id,
        )
    )
    if existing is not None:
        return existing
    manager = OrganisationManager(organisation_id=organisation.id, user_id=user.id)
    db.session.add(manager)
    db.session.flush()
    record(
        actor,
        "organisation.add_manager",
        "organisation",
        organisation.id,
        after={"user_id": user.id},
        note=user.email,
    )
    return manager


def remove_manager(actor, organisation: Organisation, user: User) -> None:
    _check_admin(actor, "remove organisation managers")
    manager = db.session.scalar(
        select(OrganisationManager).where(
            OrganisationManager.organisation_id == organisation.id,
            OrganisationManager.user_id == user.id,
        )
    )
    if manager is None:
        raise UserError(f"{user.email} is not a manager of {organisation.name}.", 409)
    db.session.delete(manager)
    db.session.flush()
    record(
        actor,
        "organisation.remove_manager",
        "organisation",
        organisation.id,
        before={"user_id": user.id},
        note=user.email,
    )


# --- Seat packs -------------------------------------------------------------------------


def create_seat_pack(
    actor,
    organisation: Organisation,
    course_id: int,
    *,
    seats: int,
    expires_at: datetime | None,
    reference: str,
) -> SeatPack:
    """Sell `seats` seats of a course to an organisation (paid outside campus)."""
    _check_admin(actor, "sell seat packs")
    if not 1 <= seats <= MAX_PACK_SEATS:
        raise UserError(f"A pack holds between 1 and {MAX_PACK_SEATS:,} seats.")
    if expires_at is not None and expires_at <= utcnow():
        raise UserError("The expiry must be in the future.")
    reference = " ".join((reference or "").split())[:120]
    if not reference:
        raise UserError("Give the invoice or purchase-order reference for these seats.")
    pack = SeatPack(
        organisation_id=organisation.id,
        course_id=course_id,
        seats=seats,
        expires_at=expires_at,
        reference=reference,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(pack)
    db.session.flush()
    record(
        actor,
        "seats.create_pack",
        "seat_pack",
        pack.id,
        course_id=course_id,
        after={
            "organisation_id": organisation.id,
            "seats": seats,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "reference": reference,
        },
        note=organisation.name,
    )
    return pack


# --- Invites from a list ---------------------------------------------------------------


class Outcome:
    INVITED = "Invited"
    ENROLLED = "Enrolled now (existing account)"
    ALREADY_ENROLLED = "Already enrolled: no seat used"
    ALREADY_INVITED = "Already invited: no new seat used"
    DUPLICATE = "Duplicate of an earlier row: skipped"
    SEATS_EXHAUSTED = "Not enough seats: nobody was enrolled"


@dataclass
class InviteReport:
    rows: list[tuple[InviteLine, str]] = field(default_factory=list)  # (line, outcome)
    refusal: str = ""  # set when nobody was enrolled for want of seats
    invite_ids: list[int] = field(default_factory=list)  # the emails to send

    @property
    def counts(self) -> Counter:
        return Counter(outcome for _, outcome in self.rows)


def invite_list(actor, pack: SeatPack, lines: list[InviteLine]) -> InviteReport:
    """Invite every valid, new person on `lines` onto `pack`.

    Seats are counted for all valid rows first and taken in one conditional UPDATE: if too
    few remain, nobody is enrolled or invited and the report says so. Otherwise existing
    accounts are enrolled at once and everyone else gets an invite holding a seat. Reads
    are a fixed handful of queries per 500 addresses, writes one batch, so a 10,000-row
    file takes seconds, not 10,000 round trips.
    """
    _check_admin(actor, "invite lists of learners")
    if pack.is_expired(utcnow()):
        raise UserError("This seat pack has expired; sell a new one before inviting.")
    report, fresh = _sort_lines(pack, lines)
    users = _users_by_email([line.address for line in fresh])
    enrollments = _enrollments_of(pack.course_id, [u.id for u in users.values()])
    enroll_now, invite = [], []
    for line in fresh:
        user = users.get(line.address)
        current = enrollments.get(user.id) if user else None
        if current is not None and current.status != EnrollmentStatus.WITHDRAWN:
            report.rows.append((line, Outcome.ALREADY_ENROLLED))
        elif user is not None:
            enroll_now.append((line, user, current))
        else:
            invite.append(line)
    needed = len(invite) + sum(1 for _, _, e in enroll_now if e is None or not e.seat_pack_id)
    if not enrollment.take_seats(pack.id, needed):
        return _refused(actor, pack, report, enroll_now, invite, needed)
    _write(actor, pack, report, enroll_now, invite)
    report.rows.sort(key=lambda row: row[0].line)
    return report


def _sort_lines(pack: SeatPack, lines: list[InviteLine]) -> tuple[InviteReport, list]:
    """Invalid rows, duplicates in the file and people already invited get their outcome;
    the rest (first row of each address) go on."""
    report = InviteReport()
    seen: set[str] = set()
    fresh = []
    for line in lines:
        if line.problem:
            report.rows.append((line, line.problem))
        elif line.address in seen:
            report.rows.append((line, Outcome.DUPLICATE))
        else:
            seen.add(line.address)
            fresh.append(line)
    pending = _pending_invites(pack.course_id, [line.address for line in fresh])
    still = []
    for line in fresh:
        if line.address in pending:
            report.rows.append((line, Outcome.ALREADY_INVITED))
        else:
            still.append(line)
    return report, still


def _chunks(values: list, size: int = IN_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _users_by_email(addresses: list[str]) -> dict[str, User]:
    found = {}
    for chunk in _chunks(addresses):
        found.update(
            (u.email, u) for u in db.session.scalars(select(User).where(User.email.in_(chunk)))
        )
    return found


def _enrollments_of(course_id: int, user_ids: list[int]) -> dict[int, Enrollment]:
    found = {}
    for chunk in _chunks(user_ids):
        rows = db.session.scalars(
            select(Enrollment).where(
                Enrollment.course_id == course_id, Enrollment.user_id.in_(chunk)
            )
        )
        found.update((e.user_id, e) for e in rows)
    return found


def _pending_invites(course_id: int, addresses: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(addresses):
        found.update(
            db.session.scalars(
                select(Invite.email).where(
                    Invite.course_id == course_id,
                    Invite.status == InviteStatus.PENDING,
                    Invite.email.in_(chunk),
                )
            )
        )
    return found


def _refused(actor, pack, report, enroll_now, invite, needed) -> InviteReport:
    report.refusal = enrollment.seats_refusal(pack, needed).message
    for line, *_ in enroll_now:
        report.rows.append((line, Outcome.SEATS_EXHAUSTED))
    for line in invite:
        report.rows.append((line, Outcome.SEATS_EXHAUSTED))
    report.rows.sort(key=lambda row: row[0].line)
    record(
        actor,
        "invite.upload_refused",
        "seat_pack",
        pack.id,
        course_id=pack.course_id,
        after={"needed": needed, "available": max(pack.seats - pack.held, 0)},
    )
    return report


def _write(actor, pack: SeatPack, report: InviteReport, enroll_now, invite) -> None:
    """Enroll the existing accounts and invite the rest (the caller's one transaction:
    every row is written, or, on any failure, none). Invites and audit rows go in as one
    multi-row INSERT each, not one statement per person."""
    now = utcnow()
    actor_id = actor.id if actor else None
    invites, audits = [], []
    for line, user, current in enroll_now:
        if current is None:
            current = Enrollment(user_id=user.id, course_id=pack.course_id)
            db.session.add(current)
        before = current.status if current.id else None
        current.status = EnrollmentStatus.ACTIVE.value
        current.seat_pack_id = current.seat_pack_id or pack.id
        invites.append(_invite(pack, line, actor_id, InviteStatus.ACCEPTED, user.id, now))
        audits.append(_audit_row(actor_id, "enrollment.seat", pack, user.email, before, now))
        report.rows.append((line, Outcome.ENROLLED))
    for line in invite:
        invites.append(_invite(pack, line, actor_id, InviteStatus.PENDING, None, now))
        audits.append(_audit_row(actor_id, "invite.create", pack, line.address, None, now))
        report.rows.append((line, Outcome.INVITED))
    db.session.flush()
    if invites:
        db.session.execute(insert(Invite), invites)
        db.session.execute(insert(AuditEntry), audits)
        report.invite_ids = list(
            db.session.scalars(
                select(Invite.id)
                .where(Invite.seat_pack_id == pack.id, Invite.created_at == now)
                .order_by(Invite.id)
            )
        )


def _invite(pack, line, actor_id, status, user_id, now) -> dict:
    return {
        "seat_pack_id": pack.id,
        "course_id": pack.course_id,
        "email": line.address,
        "full_name": line.name,
        "status": status.value,
        "user_id": user_id,
        "created_by_id": actor_id,
        "created_at": now,
        "accepted_at": now if status == InviteStatus.ACCEPTED else None,
        "times_sent": 0,
    }


def _audit_row(actor_id, action, pack, email, before, now) -> dict:
    """An audit row for the batch insert (record() adds and flushes one at a time)."""
    return {
        "created_at": now,
        "actor_id": actor_id,
        "action": action,
        "target_type": "seat_pack",
        "target_id": pack.id,
        "course_id": pack.course_id,
        "before": {"status": before},
        "after": {"email": email},
        "note": email,
    }


# --- One invite: its link, accepting it, re-sending it, freeing its seat ------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)


def invite_token(invite: Invite) -> str:
    """A signed link token: it names the invite and expires (INVITE_MAX_AGE); a re-send
    signs a fresh one."""
    return _serializer().dumps({"invite": invite.id, "email": invite.email})


def invite_for_token(token: str) -> Invite:
    try:
        data = _serializer().loads(token, max_age=current_app.config["INVITE_MAX_AGE"])
    except SignatureExpired as error:
        raise UserError(
            "This invitation link has expired. Ask your district's manager to send it again."
        ) from error
    except BadSignature as error:
        raise UserError("This invitation link is not valid. Check you copied all of it.") from error
    invite = db.session.get(Invite, data.get("invite")) if isinstance(data, dict) else None
    if invite is None or invite.email != data.get("email"):
        raise UserError("This invitation link is not valid. Check you copied all of it.")
    if invite.status == InviteStatus.FREED:
        raise UserError("This invitation was withdrawn. Ask your district's manager about it.")
    if invite.status == InviteStatus.EXPIRED:
        raise UserError(EXPIRED_PACK_MESSAGE)
    return invite


EXPIRED_PACK_MESSAGE = (
    "The seats your district bought for this course have expired, so this invitation can "
    "no longer be accepted. Ask your district's manager about new seats."
)


def accept_invite(user: User, invite: Invite) -> Enrollment:
    """Enroll `user` on the seat the invite holds. The link went to the invited address,
    so only the account with that address may use it."""
    if user.email != invite.email:
        raise UserError(
            f"This invitation is for {invite.email}, but you are signed in as {user.email}. "
            "Sign out, then open the link again.",
            409,
        )
    pack = db.session.get(SeatPack, invite.seat_pack_id)
    if pack.is_expired(utcnow()):  # refused even before the expiry job settles the invite
        raise UserError(EXPIRED_PACK_MESSAGE, 409)
    current = find_enrollment(user.id, pack.course_id)
    if current is not None and current.status != EnrollmentStatus.WITHDRAWN:
        raise UserError("You are already enrolled in this course.", 409)
    _settle(invite, InviteStatus.ACCEPTED, accepted_at=utcnow(), user_id=user.id)
    result = enrollment.enroll_on_seat(user, user, pack, seat_held=True)
    record(user, "invite.accept", "invite", invite.id, course_id=invite.course_id, note=user.email)
    return result


def _settle(invite: Invite, status: InviteStatus, **values) -> None:
    """Move a waiting invite to `status` by one conditional UPDATE: of an accept and a
    free racing (or two clicks on the link), exactly one wins; the other is told why."""
    moved = db.session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.status == InviteStatus.PENDING.value)
        .values(status=status.value, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(invite)
    if moved != 1:
        if invite.status == InviteStatus.ACCEPTED:
            raise UserError("This invitation has already been accepted.", 409)
        if invite.status == InviteStatus.EXPIRED:
            raise UserError(EXPIRED_PACK_MESSAGE, 409)
        raise UserError("This invitation was withdrawn, so its seat is free.", 409)


def note_resend(actor, organisation: Organisation, invite: Invite) -> None:
    """Record that a manager re-sent a waiting invite (the job sends it)."""
    _check_manager(actor, organisation.id)
    if invite.status != InviteStatus.PENDING:
        raise UserError("Only invitations still waiting to be accepted can be sent again.", 409)
    record(
        actor,
        "invite.resend",
        "invite",
        invite.id,
        course_id=invite.course_id,
        note=invite.email,
    )


def free_seat(actor, organisation: Organisation, invite: Invite) -> None:
    """Withdraw a waiting invite and give its seat back to the pack."""
    _check_manager(actor, organisation.id)
    _settle(invite, InviteStatus.FREED, freed_at=utcnow())
    enrollment.give_back_seats(invite.seat_pack_id, 1)
    db.session.flush()
    record(
        actor,
        "seats.free",
        "invite",
        invite.id,
        course_id=invite.course_id,
        before={"status": InviteStatus.PENDING.value},
        after={"status": InviteStatus.FREED.value},
        note=invite.email,
    )


def expire_waiting_invites(now: datetime) -> int:
    """Settle the waiting invites of every pack past its expiry: each becomes expired and
    its held seat goes back to the pack, so the seat counts stay honest. One conditional
    UPDATE per pack (an accept racing it either wins or is refused) and one audit row per
    pack. Returns how many invites expired; a second run finds none."""
    packs = db.session.scalars(
        select(SeatPack)
        .where(
            SeatPack.expires_at <= now,
            SeatPack.id.in_(
                select(Invite.seat_pack_id).where(Invite.status == InviteStatus.PENDING.value)
            ),
        )
        .order_by(SeatPack.id)
    ).all()
    total = 0
    for pack in packs:
        held = pack.held
        expired = db.session.execute(
            update(Invite)
            .where(Invite.seat_pack_id == pack.id, Invite.status == InviteStatus.PENDING.value)
            .values(status=InviteStatus.EXPIRED.value)
            .execution_options(synchronize_session=False)
        ).rowcount
        enrollment.give_back_seats(pack.id, expired)
        record(
            None,
            "seats.expire",
            "seat_pack",
            pack.id,
            course_id=pack.course_id,
            before={"held": held},
            after={"held": held - expired},
            note=f"{expired} waiting invitation(s) expired with the pack",
        )
        total += expired
    db.session.flush()
    return total
