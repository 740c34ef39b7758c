"""`flask course validate` on CE settings, posttest.yml and evaluation.yml; idempotent import."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from campus.extensions import db
from course.assessment.models import CourseAssessment, PostTestQuestion
from course.importer.read_assessment import length_cue
from course.importer.read_course import load_course
from course.importer.sync_course import import_course
from tests.factories import FIXTURE_CONTENT


@pytest.fixture
def ce_copy(tmp_path):
    folder = tmp_path / "ce-course"
    shutil.copytree(FIXTURE_CONTENT / "ce-course", folder)
    return folder


def _problems(folder) -> list[str]:
    return [str(p) for p in load_course(folder)[1]]


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_fixture_is_clean(ce_copy):
    assert _problems(ce_copy) == []


def test_missing_required_ce_field_names_field_file_and_line(ce_copy):
    _edit(ce_copy / "course.yml", '  provider_number: "12345"\n', "")
    problems = _problems(ce_copy)
    assert problems == [
        "ce-course/course.yml:11: ce.provider_number is required before certificates can be issued"
    ]


def test_invalid_ce_values(ce_copy):
    _edit(
        ce_copy / "course.yml", "instructional_level: Intermediate", "instructional_level: Expert"
    )
    _edit(ce_copy / "course.yml", "print_nbcot_note: true", "print_nbcot_note: maybe")
    _edit(ce_copy / "course.yml", "contact_hours_override: 6.75", "contact_hours_override: -2")
    _edit(ce_copy / "course.yml", "  approval_id:", "  aproval_id:")
    text = "\n".join(_problems(ce_copy))
    assert "course.yml:16: ce.instructional_level must be one of" in text
    assert "ce.print_nbcot_note must be true or false" in text
    assert "ce.contact_hours_override must be hours" in text
    assert "ce.aproval_id is not a known CE setting" in text
    assert "ce.approval_id is required" in text  # print_approval_id is true


def test_cli_validate_reports_and_fails(ce_copy, runner):
    _edit(ce_copy / "course.yml", "  disclaimer: >-", "  note: >-")
    result = runner.invoke(args=["course", "validate", str(ce_copy)])
    assert result.exit_code == 1
    assert "ce.disclaimer is required" in result.output


def test_posttest_problems_have_file_and_line(ce_copy):
    _edit(ce_copy / "posttest.yml", "  pass_mark: 80", "  pass_mark: 180")
    _edit(ce_copy / "posttest.yml", "    correct: [a, b]", "    correct: [a, d]")
    _edit(ce_copy / "posttest.yml", "  - id: data\n", "  - id: collaboration\n")
    _edit(ce_copy / "posttest.yml", "  shuffle: true", "  shuffle: true\n  draw: 40")
    problems = _problems(ce_copy)
    text = "\n".join(problems)
    assert "ce-course/posttest.yml:2: pass_mark must be a percentage" in text
    assert "correct choice 'd' is not one of its choices" in text
    assert "duplicate question id 'collaboration'" in text
    assert "draw is 40 but the bank has only 4 question(s)" in text
    assert all(p.startswith("ce-course/posttest.yml:") for p in problems)


def test_evaluation_problems(ce_copy):
    _edit(ce_copy / "evaluation.yml", "    type: text", "    type: essay")
    assert any(
        "evaluation.yml:9: type must be one of rating, text" in p for p in _problems(ce_copy)
    )


def test_ce_course_needs_posttest_and_evaluation(ce_copy):
    (ce_copy / "posttest.yml").unlink()
    (ce_copy / "evaluation.yml").unlink()
    assert "needs posttest.yml and evaluation.yml" in "\n".join(_problems(ce_copy))


def test_import_is_idempotent_and_retires_removed_questions(app, ce_copy):
    first = import_course(ce_copy)
    db.session.commit()
    assert "question push-in" in first.created
    again = import_course(ce_copy)
    db.session.commit()
    assert not again.changed
    _edit(ce_copy / "posttest.yml", "  - id: schedule\n", "  - id: schedule-2\n")
    _edit(ce_copy / "posttest.yml", "What is push-in practice?", "What is push-in service?")
    report = import_course(ce_copy)
    db.session.commit()
    assert "question schedule" in report.unpublished and "question schedule-2" in report.created
    assert "question push-in" in report.updated
    questions = {q.key: q for q in db.session.scalars(select(PostTestQuestion))}
    assert questions["schedule"].is_retired and not questions["schedule-2"].is_retired
    assert len(questions) == 6
    assert db.session.scalar(select(CourseAssessment)).posttest_settings["pass_mark"] == 0.8


# The fixture's distractors as a careless writer would leave them: shorter than every key.
TELL_TALE = {
    "{id: b, text: Taking the student to a separate therapy room}": "{id: b, text: Pull-out}",
    "{id: c, text: Consulting with the teacher only by email}": "{id: c, text: Email}",
    "{id: b, text: The school bus driver on the route}": "{id: b, text: The bus driver}",
    "{id: b, text: Only by a standardized test at the year's end}": "{id: b, text: It is not}",
    "{id: b, text: Ignoring the timetable and choosing any free slot}": "{id: b, text: Ignore it}",
}


def test_bank_passable_by_picking_the_longest_option_fails_with_its_figures(ce_copy, runner):
    for old, new in TELL_TALE.items():
        _edit(ce_copy / "posttest.yml", old, new)
    problems = _problems(ce_copy)
    assert problems == [
        "ce-course/posttest.yml:7: option length gives the answers away: the keyed option is "
        "the longest in 4 of 5 questions (80%); always picking the longest option scores 80% "
        "against a pass mark of 80%; at most 35% of keys may be the longest option and that "
        "strategy must not pass (make options parallel in length)"
    ]
    result = runner.invoke(args=["course", "validate", str(ce_copy)])
    assert result.exit_code == 1
    assert "post-test: the keyed option is the longest in 4 of 5 questions" in result.output


def test_bank_with_too_many_longest_keys_fails_even_when_the_strategy_would_not_pass(ce_copy):
    _edit(ce_copy / "posttest.yml", "  pass_mark: 80", "  pass_mark: 90")
    first_two = list(TELL_TALE.items())[:3]  # push-in (two distractors) and collaboration
    for old, new in first_two:
        _edit(ce_copy / "posttest.yml", old, new)
    (problem,) = _problems(ce_copy)
    assert "the longest in 2 of 5 questions (40%)" in problem
    assert "scores 40% against a pass mark of 90%" in problem


def test_clean_bank_prints_its_figures(ce_copy, runner):
    result = runner.invoke(args=["course", "validate", str(ce_copy)])
    assert result.exit_code == 0, result.output
    assert (
        "post-test: the keyed option is the longest in 0 of 5 questions (0%); "
        "always picking the longest option scores 0% against a pass mark of 80%"
    ) in result.output


def test_length_cue_shares_ties_and_gives_the_strategy_the_number_of_keys():
    def question(correct, *texts):
        choices = [{"id": chr(97 + i), "text": t} for i, t in enumerate(texts)]
        return {"choices": choices, "correct": correct}

    cue = length_cue(
        [
            question(["a"], "longest one", "short", "tiny"),  # key longest: a sure hit
            question(["a"], "same", "same", "x"),  # tied with one other: half a hit
            question(["a", "b"], "long key", "also long", "short"),  # two keys, two longest
            question(["c"], "longer text", "short", "key"),  # key not longest
        ]
    )
    assert cue.longest_keyed == 3
    assert cue.pick_longest_score == pytest.approx((1 + 0.5 + 1) / 4)


def test_fictional_persona_may_not_carry_credentials(ce_copy, runner):
    _edit(
        ce_copy / "course.yml", "  name: Dana Rivera\n", "  name: Dana Rivera\n  fictional: true\n"
    )
    problems = _problems(ce_copy)
    assert problems == [
        "ce-course/course.yml:8: instructor 'Dana Rivera' is marked fictional, "
        "so it may not carry credentials",
        "ce-course/course.yml:22: ce.instructors lists the fictional persona 'Dana Rivera' "
        "with credentials",
    ]
    result = runner.invoke(args=["course", "validate", str(ce_copy)])
    assert result.exit_code == 1


def test_fictional_persona_without_credentials_is_valid(ce_copy):
    _edit(ce_copy / "course.yml", "  credentials: OTD, OTR/L\n", "  credentials: ''\n")
    _edit(
        ce_copy / "course.yml", "  name: Dana Rivera\n", "  name: Dana Rivera\n  fictional: true\n"
    )
    assert _problems(ce_copy) == []
    _edit(ce_copy / "course.yml", "  fictional: true\n", "  fictional: maybe\n")
    assert _problems(ce_copy) == [
        "ce-course/course.yml:7: instructor.fictional must be true or false"
    ]
