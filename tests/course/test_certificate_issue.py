"""Exactly one certificate under concurrent issue requests; unique codes at volume; the
checklist in a constant number of queries."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from campus.extensions import db
from campus.models import utcnow
from course.assessment.models import PostTestAttempt
from course.certificates import services
from course.certificates.models import Certificate
from tests.factories import (
    complete_lessons,
    import_ce_course,
    make_enrollment,
    make_ready_for_certificate,
    make_user,
)
from tests.helpers import count_queries, login


def test_parallel_issue_requests_make_one_certificate(app):
    if db.engine.dialect.name == "sqlite":
        pytest.skip(
            "SQLite serialises writers; the race is exercised on PostgreSQL (TEST_DATABASE_URL)"
        )
    from campus.accounts.models import User
    from course.models import Course

    course = import_ce_course()
    user = make_user()
    make_ready_for_certificate(user, course, score=1.0)
    user_id, course_id = user.id, course.id
    barrier, results, errors = threading.Barrier(8), [], []

    def claim():
        with app.app_context():
            try:
                barrier.wait()
                certificate, _ = services.issue_certificate(
                    db.session.get(User, user_id), db.session.get(Course, course_id)
                )
                db.session.commit()
                results.append(certificate.code)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1 and len(results) == 8
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_double_click_issues_one(client):
    course = import_ce_course()
    user = make_user()
    make_enrollment(user, course)
    make_ready_for_certificate(user, course, score=1.0)
    login(client, user)
    from tests.helpers import post

    for _ in range(3):
        post(client, f"/courses/{course.slug}/certificate")
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_codes_unique_at_volume(app):
    codes = {services.new_code() for _ in range(50_000)}
    assert len(codes) == 50_000


def test_unique_constraint_on_code(app):
    course = import_ce_course()
    first, second = make_user(), make_user()
    for user in (first, second):
        db.session.add(
            Certificate(
                code="ABCD-EFGH-JKMN-PQRS",
                user_id=user.id,
                course_id=course.id,
                completed_at=utcnow(),
                snapshot={},
            )
        )
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        db.session.flush()
    db.session.rollback()


def test_many_certificates_have_distinct_codes_in_the_database(app):
    course = import_ce_course()
    users = [make_user() for _ in range(3)]
    for user in users:
        make_ready_for_certificate(user, course, score=1.0)
        services.issue_certificate(user, course)
    db.session.commit()
    assert db.session.scalar(select(func.count(func.distinct(Certificate.code)))) == 3


def test_checklist_queries_do_not_grow_with_courses(client):
    from tests.factories import import_fixture_course

    ce_course = import_ce_course()
    other = import_fixture_course()
    user = make_user()
    make_enrollment(user, ce_course)
    login(client, user)
    with count_queries() as one:
        client.get("/dashboard")
    make_enrollment(user, other)
    complete_lessons(user, ce_course)
    with count_queries() as two:
        assert client.get("/dashboard").status_code == 200

    def work(statements):  # the session's expired User reloads after a commit: not page work
        return [s for s in statements if "FROM users" not in s]

    assert len(work(two)) == len(work(one))
    with count_queries() as page:
        html = client.get(f"/courses/{ce_course.slug}").get_data(as_text=True)
    assert "Your CE certificate" in html and "Lessons watched: 2 of 2" in html
    assert len(page) <= 14


def test_course_with_incomplete_ce_fields_cannot_issue(app):
    from campus.errors import UserError

    course = import_ce_course()
    course.ce = {**course.ce, "provider_number": ""}
    db.session.commit()
    user = make_user()
    make_ready_for_certificate(user, course, score=1.0)
    with pytest.raises(UserError, match="provider_number"):
        services.issue_certificate(user, course)


def test_parallel_submissions_of_one_attempt_grade_once(app):
    if db.engine.dialect.name == "sqlite":
        pytest.skip(
            "SQLite serialises writers; the race is exercised on PostgreSQL (TEST_DATABASE_URL)"
        )
    from campus.accounts.models import User
    from campus.errors import UserError
    from course.assessment.services import start_attempt, submit_attempt
    from tests.course.ce_helpers import RIGHT, questions_by_key

    course = import_ce_course()
    user = make_user()
    complete_lessons(user, course)
    attempt = start_attempt(user, course)
    db.session.commit()
    keys = {q.id: key for key, q in questions_by_key(course).items()}
    user_id, attempt_id = user.id, attempt.id
    barrier, outcomes = threading.Barrier(6), []

    def submit(index):
        with app.app_context():
            try:
                answers = {
                    str(qid): (RIGHT[key] if index % 2 else ["b"]) for qid, key in keys.items()
                }
                barrier.wait()
                submit_attempt(
                    db.session.get(User, user_id),
                    db.session.get(PostTestAttempt, attempt_id),
                    answers,
                )
                db.session.commit()
                outcomes.append("graded")
            except UserError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["graded"] + ["refused"] * 5
