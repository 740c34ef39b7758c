"""The instructor's course dashboard: funnel, lesson drop-off and medians, stuck learners
with a rate-limited reminder (real SMTP), the forum's unanswered questions, access, and a
query count that does not grow with learners."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update

from campus.accounts.models import Role, User
from campus.audit.models import AuditEntry
from campus.enrollment.models import Enrollment
from campus.extensions import db
from campus.models import utcnow
from course.assessment.models import PostTestAttempt
from course.completion.queries import course_dashboard
from course.models import Lesson
from course.progress.models import LessonProgress
from tests.factories import (
    complete_lessons,
    import_ce_course,
    learner_in,
    make_certified,
    make_ready_for_certificate,
    make_thread,
    make_user,
)
from tests.helpers import client_for, count_queries, login_url, post


@pytest.fixture
def ce_course(app):
    return import_ce_course()


def _age(user, course, days: int) -> None:
    """Make every trace of the learner in the course `days` old."""
    old = utcnow() - timedelta(days=days)
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
        .values(enrolled_at=old)
    )
    db.session.execute(
        update(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.course_id == course.id)
        .values(updated_at=old)
    )
    db.session.commit()


def _lessons(course) -> list[Lesson]:
    return list(
        db.session.scalars(
            select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
        )
    )


def _set_viewing(user, course, seconds: list[float]) -> None:
    for lesson, value in zip(_lessons(course), seconds, strict=False):
        db.session.execute(
            update(LessonProgress)
            .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
            .values(viewing_seconds=value)
        )
    db.session.commit()


def test_funnel_counts_each_step(ce_course):
    learner_in(ce_course)  # enrolled only
    started = learner_in(ce_course)
    complete_lessons(started, ce_course, count=1)
    watched = learner_in(ce_course)
    complete_lessons(watched, ce_course)
    ready = learner_in(ce_course)
    make_ready_for_certificate(ready, ce_course)  # passed and evaluated
    certified = learner_in(ce_course)
    make_certified(certified, ce_course)
    withdrawn = learner_in(ce_course)
    complete_lessons(withdrawn, ce_course)
    db.session.execute(
        update(Enrollment).where(Enrollment.user_id == withdrawn.id).values(status="withdrawn")
    )
    db.session.commit()

    page = course_dashboard(ce_course, 14, utcnow())

    assert [(s.label, s.count) for s in page.funnel] == [
        ("Enrolled", 5),
        ("Started a lesson", 4),
        ("Watched every lesson", 3),
        ("Passed the post-test", 2),
        ("Submitted the evaluation", 2),
        ("Holds a certificate", 1),
    ]
    assert page.funnel[3].percent == 40


def test_lesson_drop_off_and_median_viewing_time(ce_course):
    first, second = _lessons(ce_course)
    for viewing in ([100.0, 300.0], [200.0, 500.0], [400.0]):
        user = learner_in(ce_course)
        complete_lessons(user, ce_course, count=len(viewing))
        _set_viewing(user, ce_course, viewing)
    learner_in(ce_course)  # enrolled, nothing watched

    stats = {s.lesson.id: s for s in course_dashboard(ce_course, 14, utcnow()).lessons}

    assert (stats[first.id].started, stats[first.id].completed) == (3, 3)
    assert stats[first.id].dropped == 1  # 4 enrolled, 3 completed the first lesson
    assert stats[first.id].median_viewing_seconds == 200.0  # middle of 100, 200, 400
    assert (stats[second.id].completed, stats[second.id].dropped) == (2, 1)
    assert stats[second.id].median_viewing_seconds == 400.0  # mean of 300 and 500


def test_stuck_learners_by_days_with_their_step(ce_course):
    idle = learner_in(ce_course, name="Idle Ida")
    complete_lessons(idle, ce_course, count=1)
    _age(idle, ce_course, 20)
    fresh = learner_in(ce_course, name="Fresh Fran")
    complete_lessons(fresh, ce_course, count=1)
    done = learner_in(ce_course, name="Done Dana")
    make_certified(done, ce_course)
    _age(done, ce_course, 40)  # finished: never stuck, however old

    page = course_dashboard(ce_course, 14, utcnow())
    assert [s.learner.full_name for s in page.stuck] == ["Idle Ida"]
    assert page.stuck_total == 1
    assert page.stuck[0].step_text == "Watching lessons (1 of 2 done)"
    assert course_dashboard(ce_course, 30, utcnow()).stuck == []


def test_a_learner_stuck_at_the_post_test_is_shown_there(ce_course):
    user = learner_in(ce_course)
    complete_lessons(user, ce_course)
    db.session.add(
        PostTestAttempt(
            user_id=user.id,
            course_id=ce_course.id,
            number=1,
            score=0.4,
            submitted_at=utcnow() - timedelta(days=30),
            started_at=utcnow() - timedelta(days=30),
        )
    )
    db.session.commit()
    _age(user, ce_course, 30)
    (row,) = course_dashboard(ce_course, 14, utcnow()).stuck
    assert row.step_text == "Post-test (1 attempt(s) used)"


@pytest.mark.parametrize("value", ["0", "366", "abc", "-3", "1e3"])
def test_bad_days_is_a_400_that_explains(app, ce_course, value):
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    response = staff.get(f"/courses/{ce_course.slug}/dashboard?days={value}")
    assert response.status_code == 400
    assert "whole number from 1 to 365" in response.get_data(as_text=True)


def test_access_staff_only(app, client, ce_course):
    url = f"/courses/{ce_course.slug}/dashboard"
    assert client.get(url).headers["Location"].endswith(login_url(url))
    assert client_for(app, learner_in(ce_course)).get(url).status_code == 403
    assert client_for(app, make_user(Role.INSTRUCTOR)).get(url).status_code == 200
    assert client_for(app, make_user(Role.ADMIN)).get(url + "?days=3").status_code == 200
    assert client_for(app, make_user(Role.ADMIN)).get("/courses/nope/dashboard").status_code == 404


def test_reminder_emails_once_per_interval_and_is_audited(app, ce_course, smtp_server):
    learner = learner_in(ce_course, name="Idle Ida", email="ida@example.com")
    complete_lessons(learner, ce_course, count=1)
    _age(learner, ce_course, 20)
    instructor = make_user(Role.INSTRUCTOR)
    staff = client_for(app, instructor)
    url = f"/courses/{ce_course.slug}/learners/{learner.id}/remind"

    assert "Send reminder" in staff.get(f"/courses/{ce_course.slug}/dashboard").get_data(
        as_text=True
    )
    response = post(staff, url, {"days": "14"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard?days=14#stuck")
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "ida@example.com"
    body = message.get_content()
    assert ce_course.title in body and "Watch 1 more lesson(s)." in body
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "course.reminder"))
    assert (entry.actor_id, entry.target_id, entry.course_id) == (
        instructor.id,
        learner.id,
        ce_course.id,
    )

    again = post(staff, url, follow_redirects=True)
    assert "another reminder can go from" in again.get_data(as_text=True)
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1
    reminders = select(func.count(AuditEntry.id)).where(AuditEntry.action == "course.reminder")
    assert db.session.scalar(reminders) == 1
    page = staff.get(f"/courses/{ce_course.slug}/dashboard").get_data(as_text=True)
    assert "Never" not in page  # the stuck row now says when


def test_reminder_after_the_interval_goes_again(app, ce_course, smtp_server):
    learner = learner_in(ce_course)
    admin = make_user(Role.ADMIN)
    db.session.add(
        AuditEntry(
            actor_id=admin.id,
            action="course.reminder",
            target_type="user",
            target_id=learner.id,
            course_id=ce_course.id,
            created_at=utcnow() - timedelta(days=4),
        )
    )
    db.session.commit()
    post(client_for(app, admin), f"/courses/{ce_course.slug}/learners/{learner.id}/remind")
    assert len(smtp_server.wait_for(1)) == 1


def test_reminder_refusals(app, ce_course, smtp_server):
    learner = learner_in(ce_course)
    stranger = make_user()
    url = f"/courses/{ce_course.slug}/learners/{learner.id}/remind"
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    assert staff.post(url).status_code == 400  # no CSRF token
    assert post(client_for(app, learner_in(ce_course)), url).status_code == 403
    assert (
        post(staff, f"/courses/{ce_course.slug}/learners/{stranger.id}/remind").status_code == 404
    )
    learner.is_disabled = True
    db.session.commit()
    assert "account is disabled" in post(staff, url, follow_redirects=True).text
    learner.is_disabled = False
    db.session.execute(update(Enrollment).values(status="withdrawn"))
    db.session.commit()
    refused = post(staff, url, follow_redirects=True)
    assert "is not enrolled" in refused.get_data(as_text=True)
    assert smtp_server.wait_for(1, timeout=0.3) == []
    reminders = select(func.count(AuditEntry.id)).where(AuditEntry.action == "course.reminder")
    assert db.session.scalar(reminders) == 0


def test_unanswered_questions_oldest_first(app, ce_course):
    author = learner_in(ce_course, name="Asker")
    old = make_thread(ce_course, author, title="Old question", is_question=True)
    new = make_thread(ce_course, author, title="New question", is_question=True)
    make_thread(ce_course, author, title="Just a discussion")
    answered = make_thread(ce_course, author, title="Answered question", is_question=True)
    from tests.factories import add_replies

    add_replies(answered, [author], 1)
    old.created_at = utcnow() - timedelta(days=9)
    db.session.commit()
    html = (
        client_for(app, make_user(Role.INSTRUCTOR))
        .get(f"/courses/{ce_course.slug}/dashboard")
        .get_data(as_text=True)
    )
    section = html[html.index("Unanswered forum questions") :]
    assert section.index("Old question") < section.index("New question")
    assert "Answered question" not in section and "Just a discussion" not in section
    assert "2 question(s) with no reply yet" in section
    assert new.title in section


def test_charts_are_svg_images_with_a_table_of_the_same_numbers(app, ce_course):
    make_certified(learner_in(ce_course), ce_course)
    learner_in(ce_course)
    html = (
        client_for(app, make_user(Role.INSTRUCTOR))
        .get(f"/courses/{ce_course.slug}/dashboard")
        .get_data(as_text=True)
    )
    assert html.count('<svg class="chart-svg" role="img"') == 3
    assert '<title id="funnel-title">' in html and '<desc id="funnel-desc">' in html
    assert "<script" not in html.split("<main", 1)[1]  # drawn on the server
    funnel_table = html[html.index('id="funnel-caption"') : html.index('id="lessons-caption"')]
    assert re.search(r"Holds a certificate</th><td class=\"num\">1 \(50%\)", funnel_table)
    assert re.search(r"<text [^>]*>1 \(50%\)</text>", funnel_table)


def _bulk_cohort(course, count: int, batch: str = "a") -> None:
    """`count` learners at assorted steps, inserted in bulk; a third idle for 30 days."""
    lessons = _lessons(course)
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {
                "email": f"bulk-{batch}{n}@example.com",
                "full_name": f"Bulk Learner {n}",
                "password_hash": "x",
                "role": "learner",
            }
            for n in range(count)
        ],
    )
    ids = db.session.scalars(
        select(User.id).where(User.email.like(f"bulk-{batch}%")).order_by(User.id)
    ).all()
    old = now - timedelta(days=30)
    db.session.execute(
        insert(Enrollment),
        [{"user_id": i, "course_id": course.id, "enrolled_at": old} for i in ids],
    )
    progress, attempts = [], []
    for n, user_id in enumerate(ids):
        for lesson in lessons[: n % (len(lessons) + 1)]:
            progress.append(
                {
                    "user_id": user_id,
                    "lesson_id": lesson.id,
                    "course_id": course.id,
                    "watched_seconds": lesson.duration_seconds,
                    "viewing_seconds": lesson.duration_seconds + n % 7,
                    "completed_at": old,
                    "updated_at": old if n % 3 == 0 else now,
                }
            )
        if n % (len(lessons) + 1) == len(lessons) and n % 2:
            attempts.append(
                {
                    "user_id": user_id,
                    "course_id": course.id,
                    "number": 1,
                    "layout": [],
                    "answers": {},
                    "score": 0.9,
                    "is_passed": True,
                    "submitted_at": old,
                }
            )
    if progress:
        db.session.execute(insert(LessonProgress), progress)
    if attempts:
        db.session.execute(insert(PostTestAttempt), attempts)
    db.session.commit()


def _dashboard_queries(app, course, staff) -> tuple[int, str]:
    client = client_for(app, staff)
    url = f"/courses/{course.slug}/dashboard?days=14"
    client.get(url)  # warm: the first request loads what later ones reuse
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_query_count_does_not_grow_with_learners(app, ce_course):
    staff = make_user(Role.INSTRUCTOR)
    author = make_user()
    make_thread(ce_course, author, title="A waiting question", is_question=True)
    _bulk_cohort(ce_course, 10)
    few, html = _dashboard_queries(app, ce_course, staff)
    assert "10 enrolled learner(s)" in html
    _bulk_cohort(ce_course, 990, batch="b")
    many, html = _dashboard_queries(app, ce_course, staff)
    assert "1000 enrolled learner(s)" in html
    assert "the first 100 shown" in html
    print(f"dashboard queries: {few} at 10 learners, {many} at 1,000 learners")
    assert few == many


def test_two_reminders_at_once_send_one_on_postgresql(app, ce_course):
    """The enrollment row is locked before the last reminder is read: of two staff clicking
    at the same moment, one records the reminder and the other is told it already went."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs a server database (set TEST_DATABASE_URL)")
    from campus.errors import UserError
    from course.completion.services import remind_learner
    from course.models import Course

    learner_id, course_id = learner_in(ce_course).id, ce_course.id
    staff_ids = [make_user(Role.INSTRUCTOR).id for _ in range(4)]
    barrier = threading.Barrier(len(staff_ids))
    outcomes: list[str] = []

    def click(staff_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                remind_learner(
                    db.session.get(User, staff_id),
                    db.session.get(Course, course_id),
                    db.session.get(User, learner_id),
                    utcnow(),
                )
                db.session.commit()
                outcomes.append("sent")
            except UserError as error:
                db.session.rollback()
                outcomes.append(str(error.status_code))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=click, args=(i,)) for i in staff_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["429", "429", "429", "sent"]
    reminders = select(func.count(AuditEntry.id)).where(AuditEntry.action == "course.reminder")
    assert db.session.scalar(reminders) == 1


def test_a_course_without_post_test_or_certificate_has_a_shorter_funnel(app, course):
    done = learner_in(course)
    complete_lessons(done, course)
    _age(done, course, 60)  # finished every step this course has: not stuck
    idle = learner_in(course)
    _age(idle, course, 60)
    page = course_dashboard(course, 14, utcnow())
    assert [(s.label, s.count) for s in page.funnel] == [
        ("Enrolled", 2),
        ("Started a lesson", 1),
        ("Watched every lesson", 1),
    ]
    assert [s.learner.id for s in page.stuck] == [idle.id]
    html = client_for(app, make_user(Role.ADMIN)).get(f"/courses/{course.slug}/dashboard").text
    assert "Holds a certificate" not in html and "Has not started a lesson" in html


def test_drop_off_follows_each_learner_not_the_difference_of_counts(ce_course):
    """A learner who watched only the second lesson does not hide one who stopped after the
    first: the counts are equal (2 and 2), yet one learner stopped before lesson two."""
    first, second = _lessons(ce_course)
    complete_lessons(learner_in(ce_course), ce_course, count=1)  # stopped after the first
    both = learner_in(ce_course)
    complete_lessons(both, ce_course)
    skipper = learner_in(ce_course)
    db.session.add(
        LessonProgress(
            user_id=skipper.id,
            lesson_id=second.id,
            course_id=ce_course.id,
            watched_seconds=second.duration_seconds,
            completed_at=utcnow(),
        )
    )
    db.session.commit()
    stats = {s.lesson.id: s for s in course_dashboard(ce_course, 14, utcnow()).lessons}
    assert (stats[first.id].completed, stats[second.id].completed) == (2, 2)
    assert stats[first.id].dropped == 1  # the skipper enrolled and never completed lesson one
    assert stats[second.id].dropped == 1
