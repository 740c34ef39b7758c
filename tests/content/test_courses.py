"""The courses shipped in content/: valid, honest about their hours, original, and complete."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from course.ce_rules import missing_ce_fields
from course.importer.read_course import load_course

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTENT = PROJECT_ROOT / "content"
FIRST_COURSE = CONTENT / "from-pull-out-to-push-in"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
COPY_RUN = 12  # this many identical words in a row means text was copied, not written


@pytest.mark.parametrize(
    "folder", sorted(p.parent for p in CONTENT.glob("*/course.yml")), ids=lambda p: p.name
)
def test_every_shipped_course_validates(folder):
    _spec, problems = load_course(folder)
    assert [str(p) for p in problems] == []


@pytest.fixture(scope="module")
def first_course():
    spec, problems = load_course(FIRST_COURSE)
    assert not problems
    return spec


def test_first_course_claims_its_true_hours(first_course):
    """Only recorded time counts: the platform keeps no record of reading or worksheet time."""
    lessons = [lesson for module in first_course.modules for lesson in module.lessons]
    video_hours = sum(lesson.duration for lesson in lessons) / 3600
    assert 5 <= len(first_course.modules) <= 7
    assert first_course.data.get("activity_minutes", 0) == 0
    assert "contact_hours_override" not in first_course.data["ce"]
    assert 5.0 <= video_hours <= 7.0, f"{video_hours:.2f} contact hours"


def test_first_course_persona_is_fictional_and_uncredentialed(first_course):
    instructor = first_course.data["instructor"]
    assert instructor["fictional"] is True and not instructor.get("credentials")
    names = [i["name"] for i in first_course.data["ce"]["instructors"]]
    assert any("fictional" in n and "synthetic voice" in n for n in names)
    assert any("PLACEHOLDER" in n for n in names)
    evaluation = (FIRST_COURSE / "evaluation.yml").read_text()
    assert "instructor" not in evaluation.lower()


def test_every_lesson_is_complete(first_course):
    for module in first_course.modules:
        for lesson in module.lessons:
            assert lesson.objectives, lesson.slug
            assert lesson.discussion_prompt.strip(), lesson.slug
            assert lesson.summary.strip(), lesson.slug
            assert lesson.captions.endswith(".vtt"), lesson.slug
            assert len(lesson.body_md.split()) >= 250, lesson.slug


def test_post_test_covers_every_objective(first_course):
    posttest = yaml.safe_load((FIRST_COURSE / "posttest.yml").read_text())
    questions = posttest["questions"]
    assert len(questions) >= 60
    per_lesson = {}
    for question in questions:
        per_lesson[question["lesson"]] = per_lesson.get(question["lesson"], 0) + 1
    lessons = [lesson.slug for module in first_course.modules for lesson in module.lessons]
    assert {slug: per_lesson.get(slug, 0) for slug in lessons if per_lesson.get(slug, 0) < 3} == {}
    assert all(q.get("feedback", "").strip() for q in questions)
    tested = {q["objective"] for q in questions}
    objectives = {
        o for m in first_course.modules for lesson in m.lessons for o in lesson.objectives
    }
    assert objectives - tested == set()


def test_ce_settings_are_complete_with_marked_placeholders(first_course):
    ce = first_course.data["ce"]
    assert missing_ce_fields(ce) == []
    assert "PLACEHOLDER" in ce["provider_number"] and "PLACEHOLDER" in ce["approval_id"]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _runs(words: list[str]) -> set[str]:
    return {" ".join(words[i : i + COPY_RUN]) for i in range(len(words) - COPY_RUN + 1)}


@pytest.mark.skipif(
    not SEEDS.is_dir(), reason="the source articles (../shared/seeds) are not beside this checkout"
)
def test_course_text_is_written_not_copied_from_the_sources():
    source_runs = set().union(*(_runs(_words(p.read_text())) for p in SEEDS.glob("*.txt")))
    copied = {}
    for path in [
        *FIRST_COURSE.glob("lessons/*.md"),
        *FIRST_COURSE.glob("narration/*.yml"),
        FIRST_COURSE / "posttest.yml",
        FIRST_COURSE / "course.yml",
    ]:
        shared = _runs(_words(path.read_text())) & source_runs
        if shared:
            copied[path.name] = sorted(shared)[:3]
    assert copied == {}


def test_captions_that_differ_from_the_narration_script_fail_validation(tmp_path):
    demo = tmp_path / "demo-push-in-basics"
    shutil.copytree(CONTENT / "demo-push-in-basics", demo)
    script = demo / "narration" / "planning-with-the-team.yml"
    text = script.read_text()
    script.write_text(text.replace("so nobody is left guessing", "so no adult is left guessing"))
    _spec, problems = load_course(demo)
    assert [str(p) for p in problems] == [
        "demo-push-in-basics/media/planning-with-the-team.vtt: captions differ from "
        "demo-push-in-basics/narration/planning-with-the-team.yml at word 39: captions say "
        "'nobody is left guessing.', the script says 'no adult is left' "
        "(rebuild with scripts/build_media.py)"
    ]


def test_recorded_lessons_without_a_script_are_not_compared(tmp_path):
    demo = tmp_path / "demo-push-in-basics"
    shutil.copytree(CONTENT / "demo-push-in-basics", demo)
    (demo / "narration" / "planning-with-the-team.yml").unlink()
    _spec, problems = load_course(demo)
    assert problems == []
