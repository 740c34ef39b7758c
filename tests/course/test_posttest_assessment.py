"""The post-test as an assessment: draws stratified by module, score-only feedback after a
failed first attempt, and the evaluation's "how many minutes" beside measured time-on-task."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from campus.accounts.models import Role
from campus.extensions import db
from course.assessment import services
from course.assessment.models import CourseAssessment, PostTestQuestion
from course.cli import validate_command
from course.importer.read_course import load_course
from course.importer.sync_course import import_course
from course.models import Course, Lesson
from course.progress.models import TimeOnTask
from tests.course.ce_helpers import evaluation_of, submit_evaluation, take_posttest
from tests.factories import (
    FIXTURE_CONTENT,
    complete_lessons,
    import_ce_course,
    make_enrollment,
    make_user,
)
from tests.helpers import count_queries, login

TWO_MODULES = """modules:
  - slug: first-module
    title: First module
    lessons:
      - first-lesson
  - slug: second-module
    title: Second module
    lessons:
      - second-lesson
"""
# The fixture's five items, three on the first lesson and two on the second.
LESSONS = {
    "push-in": "first-lesson",
    "natural-settings": "first-lesson",
    "collaboration": "first-lesson",
    "data": "second-lesson",
    "schedule": "second-lesson",
}


@pytest.fixture
def stratified(tmp_path):
    """A copy of the CE fixture in two modules, each item naming its lesson, per_module 2."""
    folder = tmp_path / "ce-course"
    shutil.copytree(FIXTURE_CONTENT / "ce-course", folder)
    course_yml = folder / "course.yml"
    text = course_yml.read_text()
    course_yml.write_text(text[: text.index("modules:")] + TWO_MODULES)
    posttest = folder / "posttest.yml"
    text = posttest.read_text().replace("  attempts: 2\n", "  attempts: 2\n  per_module: 2\n")
    for key, lesson in LESSONS.items():
        text = text.replace(f"  - id: {key}\n", f"  - id: {key}\n    lesson: {lesson}\n")
    posttest.write_text(text)
    return folder


def _problems(folder) -> list[str]:
    return [str(p) for p in load_course(folder)[1]]


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_stratified_fixture_is_clean_and_imports_modules(stratified):
    assert _problems(stratified) == []
    import_course(stratified)
    db.session.commit()
    keys = {
        q.key: (q.lesson_key, q.module_key) for q in db.session.scalars(select(PostTestQuestion))
    }
    assert keys["push-in"] == ("first-lesson", "first-module")
    assert keys["schedule"] == ("second-lesson", "second-module")


def test_every_attempt_draws_n_from_each_module(stratified):
    import_course(stratified)
    db.session.commit()
    course = db.session.scalar(select(Course).where(Course.slug == "ce-course"))
    assessment = db.session.scalar(select(CourseAssessment))
    questions = list(db.session.scalars(select(PostTestQuestion)))
    seen = Counter()
    for _ in range(40):
        layout = services._layout(questions, assessment)
        modules = Counter(
            next(q.module_key for q in questions if q.id == item["question"]) for item in layout
        )
        assert modules == {"first-module": 2, "second-module": 2}
        seen.update(item["question"] for item in layout)
    assert len(seen) == 5  # over many attempts, every item of the larger module is drawn
    from course.assessment.queries import questions_per_attempt

    assert questions_per_attempt(course.id, assessment) == 4


def test_module_with_too_few_items_is_a_validate_problem(stratified):
    _edit(stratified / "posttest.yml", "  per_module: 2\n", "  per_module: 3\n")
    problems = _problems(stratified)
    assert any(
        "per_module is 3 but module 'second-module' has only 2 question(s)" in p for p in problems
    )
    assert not any("first-module" in p for p in problems)
    result = CliRunner().invoke(validate_command, [str(stratified)])
    assert result.exit_code == 1
    assert "second-module" in result.output


def test_per_module_needs_a_lesson_on_every_item(stratified):
    _edit(
        stratified / "posttest.yml",
        "  - id: data\n    lesson: second-lesson\n",
        "  - id: data\n",
    )
    problems = _problems(stratified)
    assert any("every question needs a 'lesson'; missing in data" in p for p in problems)


def test_unknown_lesson_and_draw_with_per_module_are_problems(stratified):
    _edit(stratified / "posttest.yml", "lesson: second-lesson", "lesson: no-such-lesson")
    _edit(stratified / "posttest.yml", "  per_module: 2\n", "  per_module: 2\n  draw: 3\n")
    problems = _problems(stratified)
    assert any("lesson 'no-such-lesson' is not a lesson of course.yml" in p for p in problems)
    assert any("use draw or per_module, not both" in p for p in problems)


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "true"])
def test_per_module_must_be_a_positive_whole_number(stratified, value):
    _edit(stratified / "posttest.yml", "  per_module: 2\n", f"  per_module: {value}\n")
    assert any("per_module must be a whole number" in p for p in _problems(stratified))


def test_without_per_module_the_draw_is_unchanged():
    """The fixture sets neither: every attempt asks the whole bank, as before."""
    course = import_ce_course()
    assessment = db.session.scalar(select(CourseAssessment))
    questions = list(db.session.scalars(select(PostTestQuestion)))
    assert len(services._layout(questions, assessment)) == 5
    assessment.posttest_settings = {**assessment.posttest_settings, "draw": 3}
    assert len(services._layout(questions, assessment)) == 3
    assert course.id


def test_first_course_draws_five_from_each_of_its_six_modules():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "content" / "from-pull-out-to-push-in"
    spec, problems = load_course(folder)
    assert problems == []
    assert spec.assessment.settings["per_module"] == 5
    modules = Counter(q["module_key"] for q in spec.assessment.questions)
    assert len(modules) == 6 and min(modules.values()) >= 5
    assert "30 questions per attempt" in spec.assessment.draw_summary()


# Feedback after a failed first attempt


def _learner(client, course):
    user = make_user()
    make_enrollment(user, course)
    login(client, user)
    complete_lessons(user, course)
    return user


def _set(course, **settings):
    assessment = db.session.scalar(
        select(CourseAssessment).where(CourseAssessment.course_id == course.id)
    )
    assessment.posttest_settings = {**assessment.posttest_settings, **settings}
    db.session.commit()


PROMPT = "What is push-in practice?"
FEEDBACK = "Push-in services happen in the student"


def test_failed_first_attempt_shows_the_score_only(client):
    course = import_ce_course()  # show_feedback: missed
    _learner(client, course)
    _, url = take_posttest(client, course, right=0)
    html = client.get(url).get_data(as_text=True)
    assert "Your score: 0%" in html and "5 of 5 question(s) missed" in html
    assert PROMPT not in html and FEEDBACK not in html


def test_later_failed_attempts_follow_show_feedback(client):
    course = import_ce_course()
    _learner(client, course)
    take_posttest(client, course, right=0)
    _, url = take_posttest(client, course, right=0)
    assert url.endswith("/attempts/2")
    html = client.get(url).get_data(as_text=True)
    assert PROMPT in html and FEEDBACK in html


def test_course_may_show_item_feedback_after_a_first_failure(client):
    course = import_ce_course()
    _set(course, item_feedback_after_first_failure=True)
    _learner(client, course)
    _, url = take_posttest(client, course, right=0)
    html = client.get(url).get_data(as_text=True)
    assert PROMPT in html and FEEDBACK in html


def test_passed_first_attempt_follows_show_feedback(client):
    course = import_ce_course()
    _set(course, show_feedback="all")
    _learner(client, course)
    _, url = take_posttest(client, course, right=5)
    assert FEEDBACK in client.get(url).get_data(as_text=True)


def test_feedback_setting_is_validated(stratified):
    _edit(
        stratified / "posttest.yml",
        "  per_module: 2\n",
        "  per_module: 2\n  item_feedback_after_first_failure: sometimes\n",
    )
    assert any("must be true or false" in p for p in _problems(stratified))


# "About how many minutes did the course take you?"


def _passed(client, course):
    user = _learner(client, course)
    take_posttest(client, course, right=5)
    return user


def test_evaluation_asks_and_stores_the_minutes(client):
    course = import_ce_course()
    user = _passed(client, course)
    page = client.get(f"/courses/{course.slug}/evaluation").get_data(as_text=True)
    assert "About how many minutes did the course take you?" in page
    assert 'name="minutes_taken"' in page and 'type="number"' in page
    response = submit_evaluation(client, course, minutes_taken="95")
    assert response.status_code == 302
    assert evaluation_of(user, course).reported_minutes == 95


@pytest.mark.parametrize("value", ["", "0", "-5", "6001", "1.5", "ninety", "9" * 40])
def test_bad_minutes_are_a_400_that_keeps_the_answers(client, value):
    course = import_ce_course()
    user = _passed(client, course)
    response = submit_evaluation(client, course, minutes_taken=value, comments="Keep this text")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "About how many minutes did the course take you?" in html
    assert "Keep this text" in html  # nothing typed is lost
    assert evaluation_of(user, course) is None


def test_staff_see_reported_beside_measured_minutes(client, app):
    course = import_ce_course()
    user = _passed(client, course)
    lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id))
    db.session.add(
        TimeOnTask(
            user_id=user.id,
            lesson_id=lesson.id,
            course_id=course.id,
            day=date(2026, 11, 20),
            credited_seconds=3000,
            real_seconds=3600,
        )
    )
    db.session.commit()
    submit_evaluation(client, course, minutes_taken="90")
    staff = app.test_client()
    login(staff, make_user(Role.INSTRUCTOR))
    html = staff.get(f"/admin/courses/{course.slug}/evaluation").get_data(as_text=True)
    assert "median <strong>90 minutes</strong>" in html
    assert "median <strong>60 minutes</strong>" in html and "1.5 times measured" in html
    text = staff.get(f"/admin/courses/{course.slug}/evaluation.csv").get_data(as_text=True)
    header, row = text.splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=False))
    assert (cells["reported_minutes"], cells["measured_minutes"]) == ("90", "60")


def test_evaluation_report_query_count_does_not_grow_with_learners(client, app):
    course = import_ce_course()
    staff = app.test_client()
    login(staff, make_user(Role.INSTRUCTOR))
    url = f"/admin/courses/{course.slug}/evaluation"
    counts = []
    for _ in range(2):
        for _ in range(3):
            learner = make_user()
            make_enrollment(learner, course)
            services_submit(learner, course)
        with count_queries() as statements:
            assert staff.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def services_submit(learner, course):
    """An evaluation stored as the service stores it (the learner passed)."""
    from course.assessment.models import EvaluationResponse

    db.session.add(
        EvaluationResponse(
            user_id=learner.id, course_id=course.id, answers={"relevant": 4}, reported_minutes=80
        )
    )
    db.session.commit()


def test_evaluation_item_may_not_take_the_minutes_field(stratified):
    _edit(stratified / "evaluation.yml", "id: comments", "id: minutes_taken")
    assert any("'minutes_taken' is reserved" in p for p in _problems(stratified))


def test_services_refuse_minutes_out_of_range():
    from campus.errors import UserError

    assert services.clean_reported_minutes(" 420 ") == 420
    with pytest.raises(UserError):
        services.clean_reported_minutes("6001")
