"""Staff enroll and withdraw (page and CLI), a learner leaving a course: records are kept,
re-enrolment resumes, closed courses accept staff enrolments, every change is audited."""

from __future__ import annotations

from sqlalchemy import func, select

from campus.accounts.models import Role
from campus.audit.models import AuditEntry
from campus.enrollment.models import Enrollment
from campus.enrollment.queries import find_enrollment
from campus.enrollment.services import withdraw
from campus.errors import UserError
from campus.extensions import db
from course.progress.models import LessonProgress
from tests.factories import complete_lessons, learner_in, make_user
from tests.helpers import client_for, post

LEARNERS = "/courses/test-course/learners"
LESSON = "/courses/test-course/lessons/lesson-one"


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def close(course) -> None:
    course.is_open = False
    db.session.commit()


def test_staff_enroll_by_email_in_a_closed_course_and_it_is_audited(app, course):
    close(course)
    instructor = make_user(Role.INSTRUCTOR)
    learner = make_user(email="dana@example.com")
    staff = client_for(app, instructor)
    response = post(staff, LEARNERS + "/enroll", {"email": " Dana@Example.com "})
    assert response.headers["Location"] == LEARNERS
    assert find_enrollment(learner.id, course.id).status == "active"
    assert client_for(app, learner).get(LESSON).status_code == 200
    (entry,) = audit("enrollment.enroll")
    assert entry.actor_id == instructor.id and entry.course_id == course.id
    assert entry.before == {"status": None}
    assert entry.after == {"status": "active", "user_id": learner.id}
    # Self-enrolment stays refused while the course is closed.
    outsider = make_user()
    page = post(client_for(app, outsider), "/courses/test-course/enroll", follow_redirects=True)
    assert "not open for enrollment" in page.get_data(as_text=True)
    assert find_enrollment(outsider.id, course.id) is None


def test_enrolling_an_unknown_email_says_so_and_creates_nothing(app, course):
    staff = client_for(app, make_user(Role.ADMIN))
    page = post(staff, LEARNERS + "/enroll", {"email": "nobody@example.com"}, follow_redirects=True)
    assert "No account has that email" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0
    assert audit("enrollment.enroll") == []


def test_withdraw_keeps_records_and_reenrolment_resumes(app, course):
    learner = learner_in(course)
    complete_lessons(learner, course, 1)
    first = find_enrollment(learner.id, course.id)
    enrolled_at, enrollment_id = first.enrolled_at, first.id
    admin = make_user(Role.ADMIN)
    staff = client_for(app, admin)
    response = post(staff, f"{LEARNERS}/{learner.id}/withdraw")
    assert response.headers["Location"] == LEARNERS
    db.session.expire_all()
    assert find_enrollment(learner.id, course.id).status == "withdrawn"
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 1
    assert client_for(app, learner).get(LESSON).status_code == 403
    listing = staff.get(LEARNERS).get_data(as_text=True)
    assert "Withdrawn" in listing and "Enroll again" in listing
    (entry,) = audit("enrollment.withdraw")
    assert entry.before == {"status": "active"} and entry.after["status"] == "withdrawn"
    post(staff, LEARNERS + "/enroll", {"email": learner.email})
    db.session.expire_all()
    again = find_enrollment(learner.id, course.id)
    assert (again.id, again.enrolled_at, again.status) == (enrollment_id, enrolled_at, "active")
    assert audit("enrollment.enroll")[0].before == {"status": "withdrawn"}
    assert client_for(app, learner).get(LESSON).status_code == 200


def test_withdrawing_someone_not_enrolled_is_a_clear_refusal(app, course):
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    learner = learner_in(course)
    post(staff, f"{LEARNERS}/{learner.id}/withdraw")
    page = post(staff, f"{LEARNERS}/{learner.id}/withdraw", follow_redirects=True)
    assert "is not enrolled in this course" in page.get_data(as_text=True)
    assert len(audit("enrollment.withdraw")) == 1
    stranger = make_user()
    assert post(staff, f"{LEARNERS}/{stranger.id}/withdraw").status_code == 404


def test_a_learner_cannot_withdraw_someone_else_through_the_service(app, course):
    other = learner_in(course)
    try:
        withdraw(make_user(), other, course.id)
    except UserError as error:
        assert error.status_code == 403
    else:
        raise AssertionError("a learner withdrew another learner")
    assert find_enrollment(other.id, course.id).status == "active"


def test_cli_enrolls_and_withdraws_in_a_closed_course(app, course, runner):
    close(course)
    learner = make_user(email="cli@example.com")
    result = runner.invoke(args=["course", "enroll", "test-course", "cli@example.com"])
    assert result.exit_code == 0 and "is enrolled" in result.output
    result = runner.invoke(args=["course", "withdraw", "test-course", "cli@example.com"])
    assert result.exit_code == 0 and "is withdrawn" in result.output
    result = runner.invoke(args=["course", "withdraw", "test-course", "cli@example.com"])
    assert result.exit_code == 1 and "not enrolled" in result.output
    result = runner.invoke(args=["course", "enroll", "test-course", "who@example.com"])
    assert result.exit_code == 1 and "No account with email" in result.output
    result = runner.invoke(args=["course", "enroll", "no-course", "cli@example.com"])
    assert result.exit_code == 1 and "No course with slug" in result.output
    db.session.expire_all()
    assert find_enrollment(learner.id, course.id).status == "withdrawn"
    actions = [(e.action, e.actor_id) for e in db.session.scalars(select(AuditEntry))]
    assert ("enrollment.enroll", None) in actions and ("enrollment.withdraw", None) in actions


def test_a_learner_leaves_after_confirming_and_keeps_their_records(app, course):
    learner = learner_in(course)
    complete_lessons(learner, course, 1)
    client = client_for(app, learner)
    assert 'href="/courses/test-course/leave"' in client.get("/courses/test-course").get_data(
        as_text=True
    )
    confirm = client.get("/courses/test-course/leave")
    assert confirm.status_code == 200 and "Yes, leave this course" in confirm.get_data(as_text=True)
    assert find_enrollment(learner.id, course.id).status == "active"  # a GET changes nothing
    response = post(client, "/courses/test-course/leave", follow_redirects=True)
    assert "You have left Test Course" in response.get_data(as_text=True)
    db.session.expire_all()
    assert find_enrollment(learner.id, course.id).status == "withdrawn"
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 1
    (entry,) = audit("enrollment.leave")
    assert entry.actor_id == learner.id and entry.after["status"] == "withdrawn"
    again = post(client, "/courses/test-course/leave", follow_redirects=True)
    assert "You are not enrolled in this course" in again.get_data(as_text=True)
    assert len(audit("enrollment.leave")) == 1
