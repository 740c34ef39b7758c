"""Organisations and seat packs: selling seats, codes that draw on a pack, seats returned
only when no lesson was started, and on PostgreSQL, threads racing for N seats enroll
exactly N (codes and invites alike)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campus.accounts.models import Role, User
from campus.audit.models import AuditEntry
from campus.enrollment.models import Enrollment, EnrollmentCode, SeatPack
from campus.enrollment.queries import find_enrollment
from campus.enrollment.services import create_code, enroll_on_seat, redeem_code, withdraw
from campus.errors import UserError
from campus.extensions import db
from campus.models import utcnow
from campus.organisations.services import create_organisation, create_seat_pack
from tests.factories import make_user


def make_pack(course, seats: int = 3, name: str = "Lakeview USD", **kwargs):
    admin = make_user(Role.ADMIN)
    manager = make_user()
    organisation = create_organisation(admin, name, [manager.email])
    pack = create_seat_pack(
        admin,
        organisation,
        course.id,
        seats=seats,
        expires_at=kwargs.get("expires_at"),
        reference=kwargs.get("reference", "PO 4411"),
    )
    db.session.commit()
    return admin, organisation, pack


def sponsored_count(pack) -> int:
    return db.session.scalar(
        select(func.count(Enrollment.id)).where(
            Enrollment.seat_pack_id == pack.id, Enrollment.status == "active"
        )
    )


def test_an_organisation_needs_a_name_and_existing_managers(app, course):
    admin = make_user(Role.ADMIN)
    with pytest.raises(UserError, match="No account has the email nobody@example.com"):
        create_organisation(admin, "Lakeview USD", ["nobody@example.com"])
    db.session.rollback()
    with pytest.raises(UserError, match="Only provider admins"):
        create_organisation(make_user(Role.INSTRUCTOR), "Lakeview USD", [admin.email])
    with pytest.raises(UserError, match="at least one manager"):
        create_organisation(admin, "Lakeview USD", [" "])
    _, organisation, pack = make_pack(course)
    with pytest.raises(UserError, match="already exists"):
        create_organisation(admin, "Lakeview  USD", [admin.email])
    db.session.rollback()
    query = select(AuditEntry.action).where(AuditEntry.action != "course.import")
    actions = list(db.session.scalars(query.order_by(AuditEntry.id)))
    assert actions == ["organisation.create", "organisation.add_manager", "seats.create_pack"]


@pytest.mark.parametrize(
    ("seats", "days", "reference", "message"),
    [
        (0, None, "PO 1", "between 1 and"),
        (5, -1, "PO 1", "in the future"),
        (5, None, "   ", "invoice or purchase-order"),
    ],
)
def test_a_bad_pack_is_refused(app, course, seats, days, reference, message):
    admin = make_user(Role.ADMIN)
    organisation = create_organisation(admin, "Lakeview USD", [admin.email])
    expires = utcnow() + timedelta(days=days) if days else None
    with pytest.raises(UserError, match=message):
        create_seat_pack(
            admin, organisation, course.id, seats=seats, expires_at=expires, reference=reference
        )


def test_a_code_on_a_pack_claims_a_seat_per_learner_until_none_is_left(app, course):
    admin, organisation, pack = make_pack(course, seats=2)
    code = create_code(admin, course.id, max_uses=10, seat_pack=pack)
    db.session.commit()
    for _ in range(2):
        redeem_code(make_user(), code.code)
        db.session.commit()
    late = make_user()
    with pytest.raises(UserError, match="Every seat bought for this course is taken"):
        redeem_code(late, code.code)
    db.session.rollback()
    assert find_enrollment(late.id, course.id) is None
    db.session.refresh(pack)
    assert pack.held == 2 and sponsored_count(pack) == 2


def test_an_expired_pack_gives_no_seat(app, course):
    admin, organisation, pack = make_pack(course, seats=5)
    pack.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(UserError, match="expired"):
        enroll_on_seat(admin, make_user(), pack)
    db.session.rollback()
    assert db.session.get(SeatPack, pack.id).held == 0


def test_leaving_returns_the_seat_only_if_no_lesson_was_started(app, course):
    admin, organisation, pack = make_pack(course, seats=2)
    fresh, learning = make_user(), make_user()
    for user in (fresh, learning):
        enroll_on_seat(admin, user, pack)
    db.session.commit()
    withdraw(fresh, fresh, course.id, started=False)
    withdraw(learning, learning, course.id, started=True)
    db.session.commit()
    db.session.refresh(pack)
    assert pack.held == 1  # the one who learned keeps using a seat
    assert find_enrollment(fresh.id, course.id).seat_pack_id is None
    assert find_enrollment(learning.id, course.id).seat_pack_id == pack.id
    # Coming back resumes on the kept seat, taking no new one.
    enroll_on_seat(admin, learning, pack)
    db.session.commit()
    db.session.refresh(pack)
    assert pack.held == 1
    notes = list(
        db.session.scalars(select(AuditEntry.note).where(AuditEntry.action == "enrollment.leave"))
    )
    assert any("seat returned" in note for note in notes)
    assert sum("seat returned" in note for note in notes) == 1


def test_the_database_refuses_a_pack_over_its_seats(app, course):
    _, _, pack = make_pack(course, seats=1)
    pack.held = 2
    with pytest.raises(Exception, match="(?i)check|constraint"):
        db.session.commit()
    db.session.rollback()


def _race(app, racers: int, attempt) -> list[str]:
    user_ids = [make_user().id for _ in range(racers)]
    barrier = threading.Barrier(racers, timeout=30)
    outcomes: list[str] = []

    def run(user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                attempt(user)
                db.session.commit()
                outcomes.append("enrolled")
            except UserError as error:
                db.session.rollback()
                outcomes.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert len(outcomes) == racers, outcomes  # no thread died of an unexpected error
    return outcomes


@pytest.mark.parametrize("seats", [1, 5])
def test_racing_redemptions_never_enroll_more_than_the_pack_holds_on_postgresql(app, course, seats):
    """N seats, 2N+2 learners redeeming a many-use code on the pack at the same instant
    (racers stay within the connection pool: a thread waiting for a connection would never
    reach the barrier)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs a server database (set TEST_DATABASE_URL)")
    admin, _, pack = make_pack(course, seats=seats)
    code = create_code(admin, course.id, max_uses=100, seat_pack=pack)
    db.session.commit()
    outcomes = _race(app, 2 * seats + 2, lambda user: redeem_code(user, code.code))
    assert outcomes.count("enrolled") == seats, outcomes
    assert set(outcomes) - {"enrolled"} == {"Every seat bought for this course is taken."}
    assert sponsored_count(pack) == seats
    assert db.session.get(SeatPack, pack.id).held == seats


def test_racing_direct_seat_claims_never_oversell_on_postgresql(app, course):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs a server database (set TEST_DATABASE_URL)")
    admin, _, pack = make_pack(course, seats=3)
    outcomes = _race(
        app, 12, lambda user: enroll_on_seat(None, user, db.session.get(SeatPack, pack.id))
    )
    assert outcomes.count("enrolled") == 3, outcomes
    assert sponsored_count(pack) == 3


def test_an_admin_makes_a_code_that_draws_on_a_pack(app, course):
    from tests.helpers import client_for, post

    admin, organisation, pack = make_pack(course, seats=1)
    client = client_for(app, admin)
    page = client.get(f"/courses/{course.slug}/codes").get_data(as_text=True)
    assert "Lakeview USD, PO 4411 (1 of 1 free)" in page
    data = {"label": "Lakeview", "max_uses": "5", "seat_pack_id": str(pack.id)}
    assert post(client, f"/courses/{course.slug}/codes", data).status_code == 302
    code = db.session.scalar(select(EnrollmentCode))
    assert code.seat_pack_id == pack.id
    redeem_code(make_user(), code.code)
    db.session.commit()
    with pytest.raises(UserError, match="Every seat"):
        redeem_code(make_user(), code.code)
