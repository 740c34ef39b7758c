"""Districts end to end: the provider admin's organisation pages, CSV invites row by row
(bad files refused whole, changing nothing), invitation emails through a real SMTP server,
accepting an invite, and the manager's view: their district only, a constant number of
queries, a roster CSV safe to open, re-sending and freeing seats."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from campus.accounts.models import Role, User
from campus.audit.models import AuditEntry
from campus.enrollment.models import Enrollment, SeatPack
from campus.enrollment.services import enroll_on_seat
from campus.extensions import db
from campus.jobs.registry import JOBS
from campus.models import utcnow
from campus.organisations.models import Invite, InviteStatus
from campus.organisations.services import (
    create_organisation,
    create_seat_pack,
    invite_token,
)
from tests.factories import (
    complete_lessons,
    import_ce_course,
    learner_in,
    make_certified,
    make_user,
)
from tests.helpers import client_for, count_queries, login, post

pytestmark = pytest.mark.usefixtures("course")


def district(course, name="Lakeview USD", seats=10, manager=None, **kwargs):
    admin = db.session.scalar(select(User).where(User.role == "admin")) or make_user(Role.ADMIN)
    manager = manager or make_user(name=f"{name} Manager")
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
    return admin, manager, organisation, pack


def upload(client, organisation, pack, data: bytes, filename="list.csv"):
    from io import BytesIO

    url = f"/admin/organisations/{organisation.id}/packs/{pack.id}/invites"
    return post(
        client,
        url,
        {"file": (BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def held(pack) -> int:
    db.session.expire_all()
    return db.session.get(SeatPack, pack.id).held


def invites() -> list[Invite]:
    return list(db.session.scalars(select(Invite).order_by(Invite.id)))


def enrollments() -> int:
    return db.session.scalar(select(func.count(Enrollment.id)))


# --- The provider admin's pages ----------------------------------------------------------


def test_an_admin_creates_an_organisation_sells_seats_and_it_is_audited(app, course):
    admin = make_user(Role.ADMIN)
    manager = make_user(email="pat@lakeview.k12.example")
    client = client_for(app, admin)
    response = post(
        client,
        "/admin/organisations",
        {"name": "Lakeview USD", "managers": "pat@lakeview.k12.example"},
    )
    assert response.status_code == 302
    org_url = response.headers["Location"]
    response = post(
        client,
        org_url + "/packs",
        {"course_id": str(course.id), "seats": "25", "reference": "PO 4411", "expires_on": ""},
    )
    assert response.status_code == 302
    page = client.get(org_url).get_data(as_text=True)
    assert "PO 4411" in page and manager.email in page and "Upload and invite" in page
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Lakeview USD" in listing
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"organisation.create", "organisation.add_manager", "seats.create_pack"} <= actions


def test_a_bad_organisation_form_says_why_and_saves_nothing(app, course):
    client = client_for(app, make_user(Role.ADMIN))
    response = post(client, "/admin/organisations", {"name": "X", "managers": "nobody@x.org"})
    assert response.status_code == 400
    assert "No account has the email nobody@x.org" in response.get_data(as_text=True)
    assert client.get("/admin/organisations").get_data(as_text=True).count("<td><a") == 0


# --- CSV invites -----------------------------------------------------------------------------


def test_each_row_gets_its_outcome_and_emails_go_out(app, course, smtp_server):
    admin, manager, organisation, pack = district(course, seats=10)
    existing = make_user(email="existing@example.com", name="Existing Person")
    already = learner_in(course, email="already@example.com")
    rows = [
        "name,email",
        "Ana Ortiz,ana@example.com",
        "Bad Email,not-an-email",
        "Ana Again,ANA@example.com",
        "Existing Person,existing@example.com",
        "Already In,already@example.com",
        '=HYPERLINK("http://evil"),evil@example.com',
        ",noname@example.com",
        "",
        "Ben Park,ben@example.com",
    ]
    client = client_for(app, admin)
    response = upload(client, organisation, pack, "\n".join(rows).encode())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    outcomes = dict(
        re.findall(r'<td class="num">(\d+)</td>.*?<td>[^<]*</td><td>([^<]*)</td></tr>', page)
    )
    assert outcomes == {
        "2": "Invited",
        "3": "Not a valid email address.",
        "4": "Duplicate of an earlier row: skipped",
        "5": "Enrolled now (existing account)",
        "6": "Already enrolled: no seat used",
        "7": "Starts with =, +, -, or @, like a spreadsheet formula: not imported.",
        "8": "No name: the name goes on the certificate.",
        "10": "Invited",
    }
    assert held(pack) == 3  # two invites waiting, one existing account enrolled
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == existing.id))
    assert enrollment.status == "active" and enrollment.seat_pack_id == pack.id
    assert (
        db.session.scalar(select(Enrollment.seat_pack_id).where(Enrollment.user_id == already.id))
        is None
    )
    smtp_server.wait_for(3)
    assert {m["To"] for m in smtp_server.messages} == {
        "ana@example.com",
        "ben@example.com",
        "existing@example.com",
    }
    ana = smtp_server.to("ana@example.com")[0]
    assert ana["Subject"] == f"Lakeview USD invites you to {course.title}"
    assert "/invites/" in ana.get_content()
    assert "enrolled you" in smtp_server.to("existing@example.com")[0]["Subject"]
    assert all(invite.times_sent == 1 and invite.sent_at for invite in invites())


def test_too_few_seats_enrolls_nobody_and_says_so(app, course):
    admin, manager, organisation, pack = district(course, seats=2)
    existing = make_user(email="existing@example.com")
    data = b"name,email\nExisting,existing@example.com\nA,a@example.com\nB,b@example.com\n"
    response = upload(client_for(app, admin), organisation, pack, data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "3 seats are needed but only 2 remain in this pack, so nobody was enrolled" in page
    assert page.count("<td>Not enough seats: nobody was enrolled</td>") == 3
    assert held(pack) == 0 and invites() == []
    assert db.session.scalar(select(Enrollment).where(Enrollment.user_id == existing.id)) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name,email\nZoë,zoe@example.com\n".encode("utf-16"), "saved as UTF-16"),
        ("name,email\nRenée Dubois,renee@example.com\n".encode("latin-1"), "not UTF-8 text"),
        (b"full name,mail\nA,a@example.com\n", "Missing: email"),
        (b"email\na@example.com\n", "Missing: name"),
        (b"", "The file is empty"),
        (b"name,email\n", "no one to invite"),
        (b"name,email\nA,a@example.com\x00\n", "binary data"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(app, course, data, message):
    admin, manager, organisation, pack = district(course)
    response = upload(client_for(app, admin), organisation, pack, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert held(pack) == 0 and invites() == [] and enrollments() == 0


def test_a_utf8_file_with_a_bom_and_accents_is_read(app, course):
    admin, manager, organisation, pack = district(course)
    data = "\ufeffName,Email\r\nRenée Dubois,renee@example.com\r\n".encode()
    response = upload(client_for(app, admin), organisation, pack, data)
    assert response.status_code == 200
    assert invites()[0].full_name == "Renée Dubois"


def test_more_than_ten_thousand_rows_is_refused(app, course):
    admin, manager, organisation, pack = district(course, seats=20_000)
    lines = ["name,email"] + [f"P{i},p{i}@example.com" for i in range(10_001)]
    response = upload(client_for(app, admin), organisation, pack, "\n".join(lines).encode())
    assert response.status_code == 400
    assert "more than 10,000 rows" in response.get_data(as_text=True)
    assert held(pack) == 0 and invites() == []


def test_ten_thousand_rows_in_a_bounded_number_of_queries(app, course, monkeypatch):
    """Reads go 500 addresses at a time and writes in one batch: no query per row."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4 * 1024 * 1024)
    admin, manager, organisation, pack = district(course, seats=10_000)
    make_user(email="p7@example.com")  # an existing account among them
    lines = ["name,email"] + [f"Person {i},p{i}@example.com" for i in range(10_000)]
    client = client_for(app, admin)
    sent = []
    monkeypatch.setitem(  # the job is queued with every invite; its 10,000 emails are not sent
        JOBS, "districts.invite_emails", lambda sends: sent.extend(i for i, _ in sends)
    )
    with count_queries() as queries:
        response = upload(client, organisation, pack, "\n".join(lines).encode())
    assert response.status_code == 200
    selects = [q for q in queries if q.lstrip().upper().startswith("SELECT")]
    print(f"10,000-row upload: {len(selects)} SELECTs, {len(queries)} statements in all")
    assert len(selects) < 120, len(selects)  # 3 reads per 500 addresses, plus the page
    assert held(pack) == 10_000 and len(sent) == 10_000
    assert db.session.scalar(select(func.count(Invite.id))) == 10_000


def test_inviting_the_same_person_twice_uses_one_seat(app, course):
    admin, manager, organisation, pack = district(course)
    client = client_for(app, admin)
    upload(client, organisation, pack, b"name,email\nA,a@example.com\n")
    response = upload(client, organisation, pack, b"name,email\nA,A@example.com\n")
    assert "Already invited: no new seat used" in response.get_data(as_text=True)
    assert held(pack) == 1 and len(invites()) == 1


def test_only_admins_upload_lists(app, course):
    admin, manager, organisation, pack = district(course)
    for user in (manager, make_user(Role.INSTRUCTOR)):
        response = upload(client_for(app, user), organisation, pack, b"name,email\nA,a@x.org\n")
        assert response.status_code == 403
    assert invites() == []


# --- Accepting an invite --------------------------------------------------------------------


def invite_someone(app, course, email="ana@example.com", name="Ana Ortiz", seats=10):
    admin, manager, organisation, pack = district(course, seats=seats)
    upload(client_for(app, admin), organisation, pack, f"name,email\n{name},{email}\n".encode())
    invite = db.session.scalar(select(Invite).where(Invite.email == email))
    return manager, organisation, pack, invite


def test_a_new_person_accepts_in_one_step(app, course, client):
    manager, organisation, pack, invite = invite_someone(app, course)
    url = f"/invites/{invite_token(invite)}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Ana Ortiz"' in page and "ana@example.com" in page
    assert "a seat bought by <strong>Lakeview USD</strong>" in page
    response = post(
        client,
        url,
        {
            "full_name": "Ana Ortiz",
            "password": "a long pass phrase 42",
            "confirm": "a long pass phrase 42",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/courses/{course.slug}"
    user = db.session.scalar(select(User).where(User.email == "ana@example.com"))
    db.session.expire_all()
    assert db.session.get(Invite, invite.id).status == InviteStatus.ACCEPTED
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
    assert enrollment.status == "active" and enrollment.seat_pack_id == pack.id
    assert held(pack) == 1  # the invite's seat became the enrollment
    course_page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Your seat is sponsored by Lakeview USD." in course_page
    assert "sponsored by Lakeview USD" in client.get("/dashboard").get_data(as_text=True)
    assert post(client, url).status_code == 302  # a second use: already accepted, no change
    assert held(pack) == 1


def test_an_existing_account_signs_in_then_accepts(app, course, client):
    ana = make_user(email="ana@example.com")
    manager, organisation, pack, _ = invite_someone(app, course, email="ana.new@example.com")
    # An existing account gets enrolled at once by the upload; an invite to a new address
    # whose owner signs up elsewhere first is accepted after signing in.
    invite = db.session.scalar(select(Invite).where(Invite.email == "ana.new@example.com"))
    late = make_user(email="ana.new@example.com")
    url = f"/invites/{invite_token(invite)}"
    assert "Log in to accept" in client.get(url).get_data(as_text=True)
    login(client, ana)
    wrong = post(client, url)
    assert wrong.status_code == 409 and "signed in as" in wrong.get_data(as_text=True)
    post(client, "/account/logout")
    login(client, late)
    assert post(client, url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Invite, invite.id).user_id == late.id


@pytest.mark.parametrize("tamper", ["expired", "forged", "freed"])
def test_a_bad_link_is_refused_and_changes_nothing(app, course, client, monkeypatch, tamper):
    manager, organisation, pack, invite = invite_someone(app, course)
    token = invite_token(invite)
    if tamper == "expired":
        monkeypatch.setitem(app.config, "INVITE_MAX_AGE", -1)
    elif tamper == "forged":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    else:
        post(client_for(app, manager), f"/districts/{organisation.id}/invites/{invite.id}/free")
    response = post(
        client,
        f"/invites/{token}",
        {"full_name": "X", "password": "a long pass phrase 42", "confirm": "a long pass phrase 42"},
    )
    assert response.status_code == 400
    expected = {"expired": "has expired", "forged": "not valid", "freed": "was withdrawn"}[tamper]
    assert expected in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "ana@example.com")) is None


# --- The manager's view -----------------------------------------------------------------------


def test_a_manager_sees_their_district_and_nothing_else(app, course):
    _, manager_a, org_a, pack_a = district(course, name="District A")
    _, manager_b, org_b, pack_b = district(course, name="District B")
    mine = make_user(name="Alice Sponsored")
    enroll_on_seat(None, mine, pack_a)
    theirs = make_user(name="Bob Other District")
    enroll_on_seat(None, theirs, pack_b)
    learner_in(course, name="Carol Self Enrolled")
    db.session.commit()
    b_invite = Invite(
        seat_pack_id=pack_b.id, course_id=course.id, email="z@b.org", full_name="Zed B"
    )
    db.session.add(b_invite)
    db.session.commit()
    client = client_for(app, manager_a)
    page = client.get(f"/districts/{org_a.id}").get_data(as_text=True)
    assert "Alice Sponsored" in page
    assert "Bob Other District" not in page and "Carol Self Enrolled" not in page
    assert client.get("/districts").headers["Location"] == f"/districts/{org_a.id}"
    roster = client.get(f"/districts/{org_a.id}/roster.csv").get_data(as_text=True)
    assert "Alice Sponsored" in roster and "Bob" not in roster and "Carol" not in roster
    # District B, by every route: refused; B's invite through A's URL: not found.
    for path in (
        f"/districts/{org_b.id}",
        f"/districts/{org_b.id}/roster.csv",
        f"/districts/{org_b.id}/certificates.zip",
    ):
        assert client.get(path).status_code == 403, path
    for action in ("resend", "free"):
        assert (
            post(client, f"/districts/{org_b.id}/invites/{b_invite.id}/{action}").status_code == 403
        )
        assert (
            post(client, f"/districts/{org_a.id}/invites/{b_invite.id}/{action}").status_code == 404
        )
    assert client.get(f"/admin/organisations/{org_a.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(Invite, b_invite.id).status == InviteStatus.PENDING


MANAGER_MATRIX = {
    # path: (anonymous, learner, instructor, manager of A, manager of B, admin)
    "/districts/{a}": (302, 403, 403, 200, 403, 200),
    "/districts/{a}/roster.csv": (302, 403, 403, 200, 403, 200),
    "/districts/{a}/certificates.zip": (302, 403, 403, 200, 403, 200),
    "/districts/999999": (302, 404, 404, 404, 404, 404),
    "/districts": (302, 403, 403, 302, 302, 200),
    "/admin/organisations": (302, 403, 403, 403, 403, 200),
    "/admin/organisations/{a}": (302, 403, 403, 403, 403, 200),
}
MATRIX_ROLES = ("anonymous", "learner", "instructor", "manager_a", "manager_b", "admin")


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_the_access_matrix_for_districts(app, course, client, role):
    _, manager_a, org_a, _ = district(course, name="District A")
    _, manager_b, _, _ = district(course, name="District B")
    users = {
        "learner": lambda: learner_in(course),
        "instructor": lambda: make_user(Role.INSTRUCTOR),
        "manager_a": lambda: manager_a,
        "manager_b": lambda: manager_b,
        "admin": lambda: db.session.scalar(select(User).where(User.role == "admin")),
    }
    if role != "anonymous":
        login(client, users[role]())
    for path, expected in MANAGER_MATRIX.items():
        status = client.get(path.format(a=org_a.id)).status_code
        assert status == expected[MATRIX_ROLES.index(role)], f"{role} GET {path}: {status}"


def sponsored_learners(pack, count: int) -> None:
    """`count` learners on the pack, each at a different step, plus a waiting invite each."""
    for number in range(count):
        user = make_user(name=f"Learner {number:04d}")
        enroll_on_seat(None, user, pack)
        db.session.add(
            Invite(
                seat_pack_id=pack.id,
                course_id=pack.course_id,
                email=f"w{number}@x.org",
                full_name=f"Waiting {number}",
            )
        )
        db.session.commit()
        if number % 3 == 1:
            complete_lessons(user, _course(pack), 1)
        elif number % 3 == 2:
            make_certified(user, _course(pack))


def _course(pack):
    from course.models import Course

    return db.session.get(Course, pack.course_id)


def manager_page_queries(app, manager, organisation) -> tuple[int, str]:
    client = client_for(app, manager)
    client.get(f"/districts/{organisation.id}")  # warm: session load, sign-in bookkeeping
    with count_queries() as queries:
        response = client.get(f"/districts/{organisation.id}")
    assert response.status_code == 200
    return len(queries), response.get_data(as_text=True)


def test_the_manager_page_costs_the_same_queries_for_10_or_200_learners(app):
    course = import_ce_course()
    _, manager, organisation, pack = district(course, seats=1000)
    sponsored_learners(pack, 10)
    few, page = manager_page_queries(app, manager, organisation)
    assert "Learner 0009" in page and "Passed (best 90%, 1 attempt)" in page
    for number in range(10, 200):
        user = make_user(name=f"Learner {number:04d}")
        enroll_on_seat(None, user, pack)
    db.session.commit()
    many, page = manager_page_queries(app, manager, organisation)
    assert "Learner 0199" in page
    assert few == many, (few, many)
    print(f"manager page queries: {few} at 10 learners, {many} at 200")


def test_progress_post_test_and_certificate_show_for_each_learner(app):
    course = import_ce_course()
    _, manager, organisation, pack = district(course)
    started, certified, fresh = (
        make_user(name="Started"),
        make_user(name="Certified"),
        make_user(name="Fresh"),
    )
    for user in (started, certified, fresh):
        enroll_on_seat(None, user, pack)
    db.session.commit()
    complete_lessons(started, course, 1)
    certificate = make_certified(certified, course)
    client = client_for(app, manager)
    page = client.get(f"/districts/{organisation.id}").get_data(as_text=True)
    assert certificate.code in page
    roster = (
        client.get(f"/districts/{organisation.id}/roster.csv").get_data(as_text=True).splitlines()
    )
    rows = {line.split(",")[0]: line for line in roster[1:]}
    assert ",1,2," in rows["Started"] and "Not taken" in rows["Started"]
    assert certificate.code in rows["Certified"] and "Passed" in rows["Certified"]
    assert ",0,2,,Not taken" in rows["Fresh"]


def test_the_roster_neutralises_formulas(app, course):
    _, manager, organisation, pack = district(course)
    user = make_user(name="=cmd|' /C calc'!A0")
    enroll_on_seat(None, user, pack)
    db.session.commit()
    roster = client_for(app, manager).get(f"/districts/{organisation.id}/roster.csv")
    assert roster.headers["Content-Type"].startswith("text/csv")
    assert "\n'=cmd" in roster.get_data(as_text=True).replace("\r\n", "\n")


def test_a_manager_resends_and_frees_seats_and_both_are_audited(app, course, smtp_server):
    manager, organisation, pack, invite = invite_someone(app, course)
    smtp_server.wait_for(1)
    client = client_for(app, manager)
    url = f"/districts/{organisation.id}/invites/{invite.id}"
    assert post(client, url + "/resend").status_code == 302
    smtp_server.wait_for(2)
    assert len(smtp_server.to("ana@example.com")) == 2
    assert held(pack) == 1
    assert post(client, url + "/free").status_code == 302
    assert held(pack) == 0
    again = client.get(f"/districts/{organisation.id}")
    assert "<small>ana@example.com</small>" not in again.get_data(as_text=True)
    assert post(client, url + "/free").status_code == 302  # already freed: flashed, no change
    assert held(pack) == 0
    actions = list(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == manager.id))
    )
    assert actions == ["invite.resend", "seats.free"]


def test_a_second_delivery_of_an_invite_job_emails_nobody_twice(app, course, smtp_server):
    """The job names the send it asks for: run again (a retry after a worker died, or a
    duplicate delivery) it skips what already went out; a re-send asks for the next one."""
    from course.districts.jobs import send_invites

    _, organisation, _, invite = invite_someone(app, course)
    smtp_server.wait_for(1)
    with app.test_request_context("/"):
        send_invites([[invite.id, 1]])
    assert len(smtp_server.to("ana@example.com")) == 1
    with app.test_request_context("/"):
        send_invites([[invite.id, 2]])
    smtp_server.wait_for(2)
    assert len(smtp_server.to("ana@example.com")) == 2
    assert db.session.get(Invite, invite.id).times_sent == 2


def test_the_seats_summary_counts_claimed_waiting_and_expiring(app, course):
    _, manager, organisation, pack = district(
        course, seats=5, expires_at=utcnow() + timedelta(days=10)
    )
    enroll_on_seat(None, make_user(), pack)
    db.session.commit()
    upload(
        client_for(app, db.session.scalar(select(User).where(User.role == "admin"))),
        organisation,
        pack,
        b"name,email\nA,a@x.org\n",
    )
    page = client_for(app, manager).get(f"/districts/{organisation.id}").get_data(as_text=True)
    numbers = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page))
    assert numbers == {
        "Bought": "5",
        "Claimed": "1",
        "Invited, not yet claimed": "1",
        "Free": "3",
        "Unclaimed, expiring within 30 days": "4",
    }


def _count_pdf_renders(monkeypatch) -> list[str]:
    from course.districts import queries as district_queries

    rendered, original = [], district_queries.certificate_pdf

    def counting(certificate):
        rendered.append(certificate.code)
        return original(certificate)

    monkeypatch.setattr(district_queries, "certificate_pdf", counting)
    return rendered


def test_the_certificates_zip_is_built_by_a_job_once_per_version(app, monkeypatch, tmp_path):
    import io
    import zipfile

    from campus.jobs.models import Job

    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "files"))
    course = import_ce_course()
    _, manager, organisation, pack = district(course)
    _, manager_b, org_b, other_pack = district(course, name="District B")
    mine, theirs, fresh = (
        make_user(name="Mine Certified"),
        make_user(name="B Certified"),
        make_user(),
    )
    for user, on in ((mine, pack), (theirs, other_pack), (fresh, pack)):
        enroll_on_seat(None, user, on)
    db.session.commit()
    certificate = make_certified(mine, course)
    make_certified(theirs, course)
    rendered = _count_pdf_renders(monkeypatch)
    client = client_for(app, manager)
    url = f"/districts/{organisation.id}/certificates.zip"
    jobs_ = select(func.count(Job.id)).where(Job.name == "districts.certificates_zip")

    page = client.get(url)  # a GET draws no PDF and queues nothing
    assert page.status_code == 200 and "Build the ZIP" in page.get_data(as_text=True)
    assert rendered == [] and db.session.scalar(jobs_) == 0
    assert client.post(url).status_code == 400  # no CSRF token
    assert post(client_for(app, manager_b), url).status_code == 403  # another district's
    assert db.session.scalar(jobs_) == 0

    response = post(client, url)  # immediate:// builds it at the commit
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    response = client.get(url)
    assert response.headers["Content-Type"] == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert pdfs == [f"Mine Certified - {course.title} - {certificate.code}.pdf"]
    assert archive.read(pdfs[0]).startswith(b"%PDF")
    index = archive.read("index.csv").decode()
    assert "Mine Certified" in index and "B Certified" not in index
    assert rendered == [certificate.code]

    post(client, url)  # again with nothing changed: the same job, nothing drawn again
    client.get(url)
    assert db.session.scalar(jobs_) == 1 and rendered == [certificate.code]
    assert client_for(app, manager_b).get(url).status_code == 403

    other = make_user()
    enroll_on_seat(None, other, other_pack)
    db.session.commit()
    make_certified(other, course)  # another district's certificate: still this version
    assert client.get(url).headers["Content-Type"] == "application/zip"
    second = make_certified(fresh, course)  # a new certificate here: a new version
    assert "No ZIP holds" in client.get(url).get_data(as_text=True)
    post(client, url)
    archive = zipfile.ZipFile(io.BytesIO(client.get(url).get_data()))
    assert sum(name.endswith(".pdf") for name in archive.namelist()) == 2
    assert any(second.code in name for name in archive.namelist())
    assert db.session.scalar(jobs_) == 2
    assert len(list((tmp_path / "files").rglob("*.zip"))) == 2


def test_a_duplicate_delivery_of_the_district_zip_job_builds_nothing(app, monkeypatch, tmp_path):
    from course.districts import jobs as district_jobs
    from course.districts import queries as district_queries

    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "files"))
    course = import_ce_course()
    _, _, organisation, pack = district(course)
    learner = make_user()
    enroll_on_seat(None, learner, pack)
    db.session.commit()
    make_certified(learner, course)
    version = district_queries.certificates_zip_version(organisation.id)
    assert district_jobs.build_certificates_zip(organisation.id, version) is True
    rendered = _count_pdf_renders(monkeypatch)
    assert district_jobs.build_certificates_zip(organisation.id, version) is False
    assert rendered == []


@pytest.mark.parametrize(("lessons", "held_after"), [(0, 0), (1, 1)])
def test_leaving_from_the_course_page_returns_an_unstarted_seat(app, course, lessons, held_after):
    _, _, _, pack = district(course, seats=3)
    learner = make_user()
    enroll_on_seat(None, learner, pack)
    db.session.commit()
    if lessons:
        complete_lessons(learner, course, lessons)
    client = client_for(app, learner)
    assert post(client, f"/courses/{course.slug}/leave").status_code == 302
    assert held(pack) == held_after


def test_a_manager_cannot_free_a_seat_already_claimed(app, course, client):
    manager, organisation, pack, invite = invite_someone(app, course)
    ana = make_user(email="ana@example.com")
    login(client, ana)
    assert post(client, f"/invites/{invite_token(invite)}").status_code == 302
    response = post(
        client_for(app, manager),
        f"/districts/{organisation.id}/invites/{invite.id}/free",
        follow_redirects=True,
    )
    assert "already been accepted" in response.get_data(as_text=True)
    assert held(pack) == 1


def test_a_racing_second_upload_of_the_same_people_is_refused_whole(app, course, monkeypatch):
    """The pending-invite check can be passed by two uploads at once; the database's unique
    index on waiting invites then refuses the second, which saves nothing."""
    admin, manager, organisation, pack = district(course)
    client = client_for(app, admin)
    upload(client, organisation, pack, b"name,email\nA,a@example.com\n")
    monkeypatch.setattr("campus.organisations.services._pending_invites", lambda *args: set())
    response = upload(client, organisation, pack, b"name,email\nA,a@example.com\nB,b@example.com\n")
    assert response.status_code == 409
    assert "nothing from this one was saved" in response.get_data(as_text=True)
    assert held(pack) == 1 and [i.email for i in invites()] == ["a@example.com"]


def test_the_audit_page_names_organisations_packs_and_invites(app, course):
    manager, organisation, pack, invite = invite_someone(app, course)
    post(client_for(app, manager), f"/districts/{organisation.id}/invites/{invite.id}/resend")
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    page = client_for(app, admin).get("/admin/audit/").get_data(as_text=True)
    assert "Lakeview USD: 10 seats (PO 4411)" in page  # the pack, not seat_pack #1
    assert "Ana Ortiz &lt;ana@example.com&gt;" in page  # the invite
    assert "Lakeview USD" in page


# --- Seats that expire: the daily pass on the queue's scheduler ----------------------------


def run_seat_expiry(app) -> None:
    """Fire the scheduler's seat-expiry task as the worker would (immediate:// runs the job
    and the notices it asks for after their commits)."""
    from campus.jobs import queue as job_queue

    huey = job_queue.queue(app)
    tasks = {task.__name__: task for task in huey._registry._periodic_tasks}
    tasks["campus.periodic.districts.expire_seats"]().execute()


def test_the_seat_expiry_task_runs_on_the_configured_schedule(app):
    from datetime import datetime

    from campus.jobs import queue as job_queue

    tasks = {task.__name__: task for task in job_queue.queue(app)._registry._periodic_tasks}
    task = tasks["campus.periodic.districts.expire_seats"]()
    assert task.validate_datetime(datetime(2026, 11, 28, 6, 30))  # SEAT_EXPIRY_CRON
    assert not task.validate_datetime(datetime(2026, 11, 28, 7, 30))


def test_an_expired_packs_waiting_invites_expire_and_give_their_seats_back(app, course, client):
    _, manager, organisation, pack = district(course, seats=5)
    _, _, _, live_pack = district(course, name="District B", seats=5)
    waiting = []
    for number, on in ((1, pack), (2, pack), (3, live_pack)):
        invite = Invite(
            seat_pack_id=on.id,
            course_id=course.id,
            email=f"w{number}@example.com",
            full_name=f"Waiting {number}",
        )
        db.session.add(invite)
        waiting.append(invite)
    claimed = make_user()
    enroll_on_seat(None, claimed, pack)
    for on, count in ((pack, 2), (live_pack, 1)):  # each waiting invite holds a seat
        db.session.execute(
            update(SeatPack).where(SeatPack.id == on.id).values(held=SeatPack.held + count)
        )
    db.session.execute(
        update(SeatPack)
        .where(SeatPack.id == pack.id)
        .values(expires_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    token = invite_token(waiting[0])

    # Before the pass: the pack is past its date, so the link is refused already.
    user = make_user(email="w1@example.com")
    login(client, user)
    response = post(client, f"/invites/{token}")
    assert response.status_code == 409
    assert "seats your district bought for this course have expired" in response.get_data(
        as_text=True
    )

    run_seat_expiry(app)
    run_seat_expiry(app)  # a second run settles nothing again
    db.session.expire_all()
    statuses = [db.session.get(Invite, invite.id).status for invite in waiting]
    assert statuses == [InviteStatus.EXPIRED, InviteStatus.EXPIRED, InviteStatus.PENDING]
    assert held(pack) == 1  # the claimed seat only
    assert held(live_pack) == 1
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "seats.expire")).all()
    assert [(entry.target_id, entry.before, entry.after) for entry in audit] == [
        (pack.id, {"held": 3}, {"held": 1})
    ]
    page = client.get(f"/invites/{token}")
    assert page.status_code == 400
    assert "seats your district bought for this course have expired" in page.get_data(as_text=True)
    assert enrollments() == 1


def test_managers_hear_once_of_unclaimed_seats_about_to_expire(app, course, smtp_server):
    from campus.organisations.services import add_manager

    admin, manager, organisation, pack = district(
        course, seats=4, expires_at=utcnow() + timedelta(days=5)
    )
    second = make_user(email="second@example.com")
    add_manager(admin, organisation, second)
    enroll_on_seat(None, make_user(), pack)
    # Not warned: a pack expiring later than the notice window, and a pack fully claimed.
    _, far_manager, _, far_pack = district(
        course, name="Far", seats=2, expires_at=utcnow() + timedelta(days=60)
    )
    _, full_manager, _, full_pack = district(
        course, name="Full", seats=1, expires_at=utcnow() + timedelta(days=2)
    )
    enroll_on_seat(None, make_user(), full_pack)
    db.session.commit()

    run_seat_expiry(app)
    smtp_server.wait_for(2)
    run_seat_expiry(app)  # the next day's pass (or a retry): no second email
    from course.districts.jobs import send_expiry_notice

    stamp = pack.expires_at.strftime("%Y-%m-%dT%H:%M")
    with app.test_request_context("/"):
        assert send_expiry_notice(pack.id, stamp) is False  # a duplicate delivery
    messages = smtp_server.wait_for(2)
    assert sorted(message["To"] for message in messages) == sorted(
        [manager.email, "second@example.com"]
    )
    assert len(smtp_server.messages) == 2
    assert "3 seat(s) in" in messages[0]["Subject"]
    assert f"/districts/{organisation.id}" in messages[0].get_content()
    notices = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "seats.expiry_notice")
    ).all()
    assert [entry.target_id for entry in notices] == [pack.id]
