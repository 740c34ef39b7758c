"""Progress on the course page, outline, lesson page and dashboard; the staff ledger and CSV."""

import pytest

from campus.accounts.models import Role, User
from campus.extensions import db
from course.models import Course, Lesson, Module
from tests.course.progress_helpers import beat, open_session
from tests.factories import lesson_named, make_enrollment, make_user
from tests.helpers import count_queries, login


@pytest.fixture
def learner(course, client):
    user = make_user(name="Avery Quinn")
    make_enrollment(user, course)
    login(client, user)
    return user


def watch(client, lesson, intervals, position=None):
    sid = open_session(client, lesson, seconds_ago=120)
    assert beat(client, lesson, sid, intervals, position=position).status_code == 200


def test_course_page_shows_lesson_module_and_course_progress(client, learner, course):
    watch(client, lesson_named(course, "lesson-one"), [[0, 8]])
    watch(client, lesson_named(course, "lesson-two"), [[0, 2]], position=2)
    html = client.get("/courses/test-course").get_data(as_text=True)
    assert "Complete" in html
    assert "25% watched" in html  # lesson two: 2 of 8 s
    assert "62% watched" in html  # first module: 8 (complete) + 2 of 16 s
    assert "41% watched" in html  # course: 10 of 24 s
    assert "1 of 3 lessons complete" in html
    assert "Continue: Lesson two at 0:02" in html


def test_a_new_learner_is_invited_to_start(client, learner, course):
    html = client.get("/courses/test-course").get_data(as_text=True)
    assert "Start: Lesson one" in html and "0% watched" in html


def test_lesson_page_carries_resume_position_and_progress(client, learner, course):
    lesson = lesson_named(course, "lesson-two")
    watch(client, lesson, [[0, 3]], position=3)
    html = client.get("/courses/test-course/lessons/lesson-two").get_data(as_text=True)
    assert 'data-position="3.0"' in html and 'data-percent="37"' in html
    assert f'data-progress-url="/api/lessons/{lesson.id}/progress"' in html
    assert 'name="csrf-token"' in html
    assert "Watched 37%" in html


def test_staff_preview_has_no_progress_tracking(client, course):
    login(client, make_user(Role.INSTRUCTOR))
    html = client.get("/courses/test-course/lessons/lesson-one").get_data(as_text=True)
    assert "data-progress-url" not in html


def test_viewing_pages_writes_nothing(client, learner, course):
    with count_queries() as statements:
        client.get("/courses/test-course")
        client.get("/courses/test-course/lessons/lesson-one")
        client.get("/dashboard")
    assert not [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]


def make_course(number: int, lessons: int) -> Course:
    course = Course(slug=f"extra-{number}", title=f"Extra course {number}")
    db.session.add(course)
    db.session.flush()
    module = Module(course_id=course.id, slug="m", title="Module")
    db.session.add(module)
    db.session.flush()
    for index in range(lessons):
        db.session.add(
            Lesson(
                course_id=course.id,
                module_id=module.id,
                slug=f"l{index}",
                title=f"Lesson {index}",
                position=index,
                duration_seconds=60,
            )
        )
    db.session.commit()
    return course


def page_queries(client, path: str = "/dashboard") -> tuple[int, str]:
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_dashboard_lists_every_course_with_constant_queries(client, learner, course):
    learner_id = learner.id
    watch(client, lesson_named(course, "lesson-one"), [[0, 4]], position=4)
    small, html = page_queries(client)
    assert "Test Course" in html and "Continue: Lesson one at 0:04" in html
    user = db.session.get(User, learner_id)
    for number in range(4):
        make_enrollment(user, make_course(number, lessons=6))
    large, html = page_queries(client)
    assert all(f"Extra course {n}" in html for n in range(4))
    assert large == small, (small, large)


def test_course_page_queries_do_not_grow_with_lessons(client, learner, course):
    module_id, course_id = course.modules[0].id, course.id
    watch(client, lesson_named(course, "lesson-one"), [[0, 4]])
    before, _ = page_queries(client, "/courses/test-course")
    for index in range(10):
        db.session.add(
            Lesson(
                course_id=course_id,
                module_id=module_id,
                slug=f"more-{index}",
                title=f"More {index}",
                position=10 + index,
                duration_seconds=30,
            )
        )
    db.session.commit()
    after, html = page_queries(client, "/courses/test-course")
    assert "More 9" in html
    assert after == before


def test_staff_see_the_ledger_and_refusals_and_export_csv(app, client, course):
    learner = make_user(name='=HYPERLINK("x")')
    make_enrollment(learner, course)
    login(client, learner)
    lesson = lesson_named(course, "lesson-one")
    watch(client, lesson, [[0, 6]])
    sid = open_session(client, lesson, seconds_ago=60)
    beat(client, lesson, sid, [[6, 8]], rate=3.0)  # refused: above the course maximum
    staff = app.test_client()
    login(staff, make_user(Role.INSTRUCTOR))
    listing = staff.get("/courses/test-course/learners").get_data(as_text=True)
    assert "0:06" in listing
    page = staff.get(f"/courses/test-course/learners/{learner.id}/time-on-task")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "rate above course maximum" in html and "6.0 s" in html
    export = staff.get(f"/courses/test-course/learners/{learner.id}/time-on-task.csv")
    assert export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).splitlines()
    assert lines[0].startswith("learner,email,course,date,time_zone,lesson,credited_seconds")
    assert ",America/New_York,Lesson one," in lines[1]  # the learner's day, in the site default
    assert "'=HYPERLINK" in lines[1] and ",Lesson one,6.0," in lines[1]
    assert lines[0].endswith(",real_seconds,real_minutes")
    assert lines[1].endswith(",6.0,0.10,6.0,0.10")  # 6 s covered in 6 real seconds at 1x
    assert lines[-1].startswith("total") and ",6.0," in lines[-1]
    assert "Real viewing time" in html


@pytest.mark.parametrize(
    "path",
    [
        "/courses/test-course/learners",
        "/courses/test-course/learners/1/time-on-task",
        "/courses/test-course/learners/1/time-on-task.csv",
    ],
)
def test_learners_cannot_see_the_ledger(client, learner, path):
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path", ["/courses/test-course/learners", "/courses/test-course/learners/1/time-on-task.csv"]
)
def test_anonymous_users_are_sent_to_log_in(client, course, path):
    assert client.get(path).status_code == 302


@pytest.mark.parametrize("suffix", ["time-on-task", "time-on-task.csv"])
def test_a_ledger_is_only_for_a_learner_of_that_course(app, course, suffix):
    """A real user who never enrolled here (or enrolled only elsewhere) is a 404, not an
    empty ledger; a withdrawn learner keeps their records and their page."""
    from campus.enrollment.models import EnrollmentStatus
    from tests.factories import import_ce_course

    other_course = import_ce_course()
    elsewhere = make_user()
    make_enrollment(elsewhere, other_course)
    nobody = make_user()
    withdrawn = make_user(name="Sam Withdrawn")
    make_enrollment(withdrawn, course).status = EnrollmentStatus.WITHDRAWN
    db.session.commit()
    staff = app.test_client()
    login(staff, make_user(Role.ADMIN))
    path = "/courses/test-course/learners/{}/" + suffix
    assert staff.get(path.format(nobody.id)).status_code == 404
    assert staff.get(path.format(elsewhere.id)).status_code == 404
    assert staff.get(path.format(999999)).status_code == 404
    assert staff.get(f"/courses/ce-course/learners/{elsewhere.id}/{suffix}").status_code == 200
    assert staff.get(path.format(withdrawn.id)).status_code == 200
