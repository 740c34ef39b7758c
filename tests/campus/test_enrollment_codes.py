"""Enrollment codes: admin pages, redemption on the course page and at sign-up, every bad
code refused with a clear message and no change, rate limits, and on PostgreSQL, threads
racing for a limit of N enroll exactly N."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campus.accounts.models import Role, User
from campus.audit.models import AuditEntry
from campus.enrollment.models import Enrollment, EnrollmentCode
from campus.enrollment.queries import find_enrollment
from campus.enrollment.services import create_code, redeem_code
from campus.errors import UserError
from campus.extensions import db
from campus.models import utcnow
from tests.factories import import_fixture_course, make_user
from tests.helpers import client_for, post

CODES = "/courses/test-course/codes"
REDEEM = "/courses/test-course/redeem"
CODE_SHAPE = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}(-[2-9A-HJKMNP-TV-Z]{4}){3}$")


def new_code(course, max_uses: int = 1, **kwargs) -> EnrollmentCode:
    code = create_code(make_user(Role.ADMIN), course.id, max_uses=max_uses, **kwargs)
    db.session.commit()
    return code


def enrolled_count() -> int:
    return db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.status == "active"))


def test_an_admin_creates_lists_and_revokes_codes_and_each_is_audited(app, course):
    admin = make_user(Role.ADMIN)
    client = client_for(app, admin)
    data = {"label": "Lakeview district PO 4411", "max_uses": "25", "expires_on": "2027-06-30"}
    assert post(client, CODES, data).headers["Location"] == CODES
    code = db.session.scalar(select(EnrollmentCode))
    assert CODE_SHAPE.match(code.code) and code.max_uses == 25 and code.uses == 0
    assert code.expires_at > utcnow() and code.created_by_id == admin.id
    page = client.get(CODES).get_data(as_text=True)
    assert code.code in page and "0 of 25" in page and "Lakeview district" in page
    post(client, f"{CODES}/{code.id}/revoke")
    db.session.expire_all()
    assert db.session.get(EnrollmentCode, code.id).is_revoked
    assert "Revoked" in client.get(CODES).get_data(as_text=True)
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["code.create", "code.revoke"]


@pytest.mark.parametrize(
    "data",
    [
        {"max_uses": "0"},
        {"max_uses": "100001"},
        {"max_uses": "x"},
        {"max_uses": "1", "expires_on": "2020-01-01"},
        {"max_uses": "1", "expires_on": "not a date"},
    ],
)
def test_bad_code_settings_are_refused_and_create_nothing(app, course, data):
    client = client_for(app, make_user(Role.ADMIN))
    response = post(client, CODES, data, follow_redirects=True)
    assert response.status_code in (200, 400)
    assert db.session.scalar(select(func.count(EnrollmentCode.id))) == 0


def test_a_code_enrolls_in_a_closed_course_from_the_course_page(app, course):
    course.is_open = False
    db.session.commit()
    code = new_code(course, max_uses=2)
    learner = make_user()
    client = client_for(app, learner)
    page = client.get("/courses/test-course").get_data(as_text=True)
    assert "Enrollment in this course is closed" in page and "Redeem code" in page
    typed = code.code.lower().replace("-", " ")  # case, spaces and dashes do not matter
    response = post(client, REDEEM, {"code": typed}, follow_redirects=True)
    assert "Your code is accepted" in response.get_data(as_text=True)
    assert find_enrollment(learner.id, course.id).status == "active"
    db.session.expire_all()
    assert db.session.get(EnrollmentCode, code.id).uses == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "code.redeem"))
    assert entry.actor_id == learner.id and entry.after == {"status": "active", "uses": 1}


def _refused(app, course, code_text: str, message: str, learner=None) -> None:
    learner = learner or make_user()
    uses_before = db.session.scalar(select(func.sum(EnrollmentCode.uses))) or 0
    client = client_for(app, learner)
    page = post(client, REDEEM, {"code": code_text}, follow_redirects=True)
    assert message in page.get_data(as_text=True)
    db.session.expire_all()
    assert find_enrollment(learner.id, course.id) is None
    assert (db.session.scalar(select(func.sum(EnrollmentCode.uses))) or 0) == uses_before
    assert db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "code.redeem")
    ) == (1 if uses_before else 0)


def test_unknown_expired_revoked_and_used_up_codes_change_nothing(app, course):
    _refused(app, course, "ABCD-EFGH-JKMN-PQRS", "That code is not valid")
    expired = new_code(course)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    _refused(app, course, expired.code, "This code has expired")
    revoked = new_code(course)
    revoked.is_revoked = True
    db.session.commit()
    _refused(app, course, revoked.code, "This code has been revoked")
    single = new_code(course)
    redeem_code(make_user(), single.code)
    db.session.commit()
    _refused(app, course, single.code, "used as many times as it allows")


def test_a_code_for_another_course_is_unknown_here(app, course):
    other = import_fixture_course("ce-course")
    code = new_code(other)
    _refused(app, course, code.code, "That code is not valid")


def test_a_replayed_code_uses_no_new_seat(app, course):
    code = new_code(course, max_uses=1)
    learner = make_user()
    client = client_for(app, learner)
    post(client, REDEEM, {"code": code.code})
    page = post(client, REDEEM, {"code": code.code}, follow_redirects=True)
    assert "already enrolled in this course; the code was not used" in page.get_data(as_text=True)
    post(client, "/courses/test-course/leave")
    post(client, REDEEM, {"code": code.code})  # back in with their own, already-counted use
    db.session.expire_all()
    assert find_enrollment(learner.id, course.id).status == "active"
    assert db.session.get(EnrollmentCode, code.id).uses == 1


def test_sign_up_with_a_code_enrolls_and_a_bad_code_creates_no_account(
    app, client, course, smtp_server
):
    code = new_code(course)
    form = {
        "full_name": "Casey Therapist",
        "email": "casey@example.com",
        "password": "lunch duty on tuesdays",
        "confirm": "lunch duty on tuesdays",
        "code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ",
    }
    refused = post(client, "/account/signup", form)
    assert refused.status_code == 400
    assert "That code is not valid" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1  # only the admin
    response = post(client, "/account/signup", {**form, "code": code.code})
    assert response.status_code == 200  # "check your email"
    user = db.session.scalar(select(User).where(User.email == "casey@example.com"))
    assert find_enrollment(user.id, course.id).status == "active"
    (message,) = smtp_server.wait_for(1)
    link = re.search(r"/account/confirm/\S+", message.get_body(("plain",)).get_content())
    assert client.get(link.group(0)).headers["Location"] == "/dashboard"
    assert "Test Course" in client.get("/dashboard").get_data(as_text=True)


def test_redeeming_is_rate_limited_against_guessing(app, course, monkeypatch):
    monkeypatch.setitem(app.config, "CODE_REDEEM_RATE_LIMIT", "3 per 15 minutes")
    client = client_for(app, make_user())
    for _ in range(3):
        assert post(client, REDEEM, {"code": "AAAA-AAAA-AAAA-AAAA"}).status_code == 302
    assert post(client, REDEEM, {"code": "AAAA-AAAA-AAAA-AAAA"}).status_code == 429
    # Another account from the same address shares the per-address budget.
    assert post(client_for(app, make_user()), REDEEM, {"code": "x"}).status_code == 429


def test_redeem_service_refuses_when_the_limit_is_reached(app, course):
    code = new_code(course, max_uses=2)
    for _ in range(2):
        redeem_code(make_user(), code.code)
    with pytest.raises(UserError, match="used as many times"):
        redeem_code(make_user(), code.code)
    db.session.rollback()
    assert enrolled_count() == 2


def test_concurrent_redemptions_never_exceed_the_limit_on_postgresql(app, course):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs a server database (set TEST_DATABASE_URL)")
    limit, racers = 3, 10
    code = new_code(course, max_uses=limit)
    user_ids = [make_user().id for _ in range(racers)]
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def race(user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                redeem_code(user, code.code)
                db.session.commit()
                outcomes.append("enrolled")
            except UserError as error:
                db.session.rollback()
                outcomes.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert outcomes.count("enrolled") == limit, outcomes
    assert enrolled_count() == limit
    assert db.session.get(EnrollmentCode, code.id).uses == limit
