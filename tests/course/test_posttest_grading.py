"""Server-side grading: tampered answers, unknown questions and choices, replays, other users."""

from __future__ import annotations

from sqlalchemy import func, select

from campus.extensions import db
from course.assessment.models import PostTestAttempt
from tests.course.ce_helpers import answers_form, latest_attempt, questions_by_key
from tests.factories import complete_lessons, import_ce_course, make_enrollment, make_user
from tests.helpers import login, post


def _ready(client):
    course = import_ce_course()
    user = make_user()
    make_enrollment(user, course)
    complete_lessons(user, course)
    login(client, user)
    response = post(client, f"/courses/{course.slug}/posttest/start")
    return course, user, response.headers["Location"]


def test_questions_page_never_sends_the_answers(client):
    course, _, url = _ready(client)
    html = client.get(url).get_data(as_text=True)
    assert "What is push-in practice?" in html
    assert "Push-in services happen" not in html  # feedback only after submitting
    assert 'name="correct' not in html


def test_unknown_question_id_is_refused_and_nothing_saved(client):
    course, user, url = _ready(client)
    data = answers_form(course)
    data["q-999999"] = ["a"]
    response = post(client, url, data)
    assert response.status_code == 400
    assert latest_attempt(user, course).submitted_at is None


def test_unknown_choice_is_refused(client):
    course, user, url = _ready(client)
    data = answers_form(course)
    data[f"q-{questions_by_key(course)['push-in'].id}"] = ["z"]
    assert post(client, url, data).status_code == 400
    assert latest_attempt(user, course).submitted_at is None


def test_extra_choices_on_a_single_answer_question_do_not_score(client):
    course, user, url = _ready(client)
    data = answers_form(course)
    data[f"q-{questions_by_key(course)['push-in'].id}"] = ["a", "b", "c"]  # tick everything
    post(client, url, data)
    attempt = latest_attempt(user, course)
    assert attempt.score == 0.8
    assert questions_by_key(course)["push-in"].id in attempt.missed


def test_partial_multi_answer_is_wrong(client):
    course, user, url = _ready(client)
    data = answers_form(course)
    data[f"q-{questions_by_key(course)['natural-settings'].id}"] = ["a"]
    post(client, url, data)
    assert latest_attempt(user, course).score == 0.8


def test_replay_of_a_submitted_attempt_changes_nothing(client):
    course, user, url = _ready(client)
    post(client, url, answers_form(course, right=1))
    first = latest_attempt(user, course)
    score, submitted_at = first.score, first.submitted_at
    response = post(client, url, answers_form(course, right=5))
    assert response.status_code == 302
    db.session.expire_all()
    again = latest_attempt(user, course)
    assert (again.score, again.submitted_at, again.is_passed) == (score, submitted_at, False)


def test_a_learner_cannot_submit_or_see_another_learners_attempt(client, app):
    course, owner, url = _ready(client)
    other = make_user()
    make_enrollment(other, course)
    complete_lessons(other, course)
    other_client = app.test_client()
    login(other_client, other)
    assert other_client.get(url).status_code == 404
    assert post(other_client, url, answers_form(course)).status_code == 404
    assert latest_attempt(owner, course).submitted_at is None


def test_every_attempt_is_kept(client):
    course, user, url = _ready(client)
    post(client, url, answers_form(course, right=1))
    second = post(client, f"/courses/{course.slug}/posttest/start").headers["Location"]
    post(client, second, answers_form(course, right=5))
    scores = db.session.scalars(
        select(PostTestAttempt.score).order_by(PostTestAttempt.number)
    ).all()
    assert scores == [0.2, 1.0]


def test_double_start_reuses_the_open_attempt(client):
    course, user, url = _ready(client)
    again = post(client, f"/courses/{course.slug}/posttest/start").headers["Location"]
    assert again == url
    assert db.session.scalar(select(func.count(PostTestAttempt.id))) == 1


def test_unenrolled_learner_cannot_open_the_posttest(client):
    course = import_ce_course()
    login(client, make_user())
    assert client.get(f"/courses/{course.slug}/posttest").status_code == 403
    assert post(client, f"/courses/{course.slug}/posttest/start").status_code == 403


def test_draw_n_of_m_and_shuffle(app):
    from course.assessment.models import CourseAssessment
    from course.assessment.services import _layout

    course = import_ce_course()
    assessment = db.session.scalar(select(CourseAssessment))
    assessment.posttest_settings = {**assessment.posttest_settings, "draw": 3}
    questions = list(questions_by_key(course).values())
    layouts = [_layout(questions, assessment) for _ in range(30)]
    assert all(len(layout) == 3 for layout in layouts)
    assert len({tuple(item["question"] for item in layout) for layout in layouts}) > 1
