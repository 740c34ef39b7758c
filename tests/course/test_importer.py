"""flask course import / validate: idempotent upserts, unpublishing, and every problem reported."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campus.extensions import db
from course.importer.read_course import load_course
from course.importer.sync_course import import_course
from course.models import Course, Lesson, Module
from tests.factories import FIXTURE_CONTENT


@pytest.fixture
def course_dir(tmp_path) -> Path:
    target = tmp_path / "test-course"
    shutil.copytree(FIXTURE_CONTENT / "test-course", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def problems_of(folder: Path) -> list[str]:
    _spec, problems = load_course(folder)
    return [str(p) for p in problems]


def test_import_creates_course_modules_and_lessons(course_dir):
    report = import_course(course_dir)
    db.session.commit()
    assert [c for c in report.created if not c.startswith("forum category")] == [
        "course test-course",
        "module first-module",
        "lesson lesson-one",
        "lesson lesson-two",
        "module second-module",
        "lesson lesson-three",
    ]
    course = db.session.scalar(select(Course))
    assert (course.slug, course.title, course.instructor_display) == (
        "test-course",
        "Test Course",
        "Test Instructor, OTR/L",
    )
    lessons = db.session.scalars(select(Lesson).order_by(Lesson.position)).all()
    assert [lesson.slug for lesson in lessons] == ["lesson-one", "lesson-two", "lesson-three"]
    assert lessons[0].duration_seconds == pytest.approx(8.0, abs=0.1)
    assert lessons[0].resources[0]["name"] == "worksheet.txt"
    assert "<strong>one</strong>" in lessons[0].body_html


def test_second_import_changes_nothing(course_dir, runner):
    import_course(course_dir)
    db.session.commit()
    before = db.session.scalar(select(Course)).updated_at
    report = import_course(course_dir)
    assert not report.changed
    assert not db.session.dirty and not db.session.new
    db.session.commit()
    assert db.session.scalar(select(Course)).updated_at == before
    result = runner.invoke(args=["course", "import", str(course_dir)])
    assert result.exit_code == 0 and "up to date" in result.output


def test_edited_lesson_is_updated_in_place(course_dir):
    import_course(course_dir)
    db.session.commit()
    lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "lesson-two"))
    edit(
        course_dir / "lessons" / "lesson-two.md", "title: Lesson two", "title: Lesson two, revised"
    )
    report = import_course(course_dir)
    db.session.commit()
    assert report.updated == ["lesson lesson-two"]
    assert db.session.get(Lesson, lesson_id).title == "Lesson two, revised"


def test_removed_lesson_and_module_are_unpublished_not_deleted(course_dir):
    import_course(course_dir)
    db.session.commit()
    edit(
        course_dir / "course.yml",
        """  - slug: second-module
    title: Second module
    summary: The last lesson.
    lessons:
      - lesson-three
""",
        "",
    )
    report = import_course(course_dir)
    db.session.commit()
    assert sorted(report.unpublished) == ["lesson lesson-three", "module second-module"]
    three = db.session.scalar(select(Lesson).where(Lesson.slug == "lesson-three"))
    assert three is not None and three.is_published is False
    assert db.session.scalar(select(func.count(Module.id))) == 2
    assert import_course(course_dir).changed is False


def test_import_refuses_a_course_with_problems_and_writes_nothing(course_dir, runner):
    (course_dir / "media" / "lesson-2.mp4").unlink()
    result = runner.invoke(args=["course", "import", str(course_dir)])
    assert result.exit_code == 1
    assert "lesson-two.md" in result.output and "missing" in result.output
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_valid_course_passes_validate(runner):
    result = runner.invoke(args=["course", "validate", str(FIXTURE_CONTENT / "test-course")])
    assert result.exit_code == 0
    assert "test-course: ok" in result.output


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "lessons/lesson-one.md",
            "video: media/lesson-1.mp4",
            "video: media/nope.mp4",
            "test-course/lessons/lesson-one.md:6: video file media/nope.mp4 is missing",
        ),
        (
            "lessons/lesson-one.md",
            "captions: media/lesson-1.vtt",
            "captions: media/gone.vtt",
            "test-course/lessons/lesson-one.md:7: captions file media/gone.vtt is missing",
        ),
        (
            "media/lesson-1.vtt",
            "00:02.500 --> 00:05.000",
            "00:02.500 -> 00:05.000",
            "test-course/media/lesson-1.vtt:6: captions do not parse: expected a cue timing",
        ),
        (
            "media/lesson-1.vtt",
            "WEBVTT",
            "WEBTTV",
            "test-course/media/lesson-1.vtt:1: captions do not parse",
        ),
        (
            "media/lesson-1.vtt",
            "00:05.000 --> 00:08.000",
            "00:05.000 --> 00:04.000",
            "test-course/media/lesson-1.vtt:9: captions do not parse: a cue must end after it starts",
        ),
        (
            "lessons/lesson-one.md",
            "duration: 8",
            "duration: 30",
            "test-course/lessons/lesson-one.md:8: declared duration 30s does not match the media (8.00s)",
        ),
        (
            "lessons/lesson-one.md",
            "duration: 8\n",
            "",
            "test-course/lessons/lesson-one.md:6: declare the video's 'duration' in seconds (the media measures 8.00s)",
        ),
        (
            "course.yml",
            "      - lesson-two\n",
            "      - lesson-two\n      - lesson-one\n",
            "test-course/course.yml:26: duplicate lesson slug 'lesson-one'",
        ),
        (
            "course.yml",
            "  - slug: second-module",
            "  - slug: first-module",
            "test-course/course.yml:26: duplicate module slug 'first-module'",
        ),
        (
            "course.yml",
            "      - lesson-three",
            "      - lesson-four",
            "test-course/course.yml:30: lesson 'lesson-four' is listed but test-course/lessons/lesson-four.md is missing",
        ),
        (
            "course.yml",
            "title: Test Course",
            "title: [unclosed",
            "test-course/course.yml:4: invalid YAML",
        ),
        (
            "course.yml",
            "  completion_threshold: 0.9",
            "  completion_threshold: true",
            "test-course/course.yml:16: completion_threshold must be a fraction between 0 and 1",
        ),
        (
            "course.yml",
            "  max_playback_rate: 2.0",
            "  max_playback_rate: 2.0\n  daily_cap_hours: 30",
            "test-course/course.yml:18: daily_cap_hours must be a number of hours above 0",
        ),
        (
            "course.yml",
            "  max_playback_rate: 2.0",
            "  max_playback_rate: 2.0\n  credit_rate: 1.5",
            "test-course/course.yml:18: credit_rate must be between 1 and 1.25",
        ),
        (
            "course.yml",
            "enrollment: open",
            "enrollment: Open",
            "test-course/course.yml:14: enrollment must be 'open' or 'closed'",
        ),
        (
            "course.yml",
            "activity_minutes: 0",
            "activity_minutes: 15 min",
            "test-course/course.yml:18: activity_minutes must be a whole number of minutes",
        ),
        (
            "lessons/lesson-two.md",
            "objectives:\n  - Watch lesson two",
            "objectives: Watch lesson two",
            "test-course/lessons/lesson-two.md:4: 'objectives' must be a list of text",
        ),
        (
            "lessons/lesson-one.md",
            "file: resources/worksheet.txt",
            "file: resources/missing.pdf",
            "test-course/lessons/lesson-one.md:10: resource file resources/missing.pdf is missing",
        ),
        (
            "course.yml",
            "activity_minutes: 0",
            "activity_minutes: 0\nforum:\n  categories:\n    - {slug: Bad Slug, title: x}",
            "test-course/course.yml:19: forum.categories[0]: each category needs a lowercase-hyphenated 'slug'",
        ),
        (
            "lessons/lesson-three.md",
            "---\ntitle",
            "title",
            "test-course/lessons/lesson-three.md:1: a lesson file must start with YAML front matter",
        ),
    ],
)
def test_validate_names_file_and_line_of_each_problem(course_dir, file, old, new, expected):
    edit(course_dir / file, old, new)
    problems = problems_of(course_dir)
    assert any(p.startswith(expected) for p in problems), problems


def test_validate_reports_every_problem_at_once_and_exits_nonzero(course_dir, runner):
    (course_dir / "media" / "lesson-2.mp4").unlink()
    edit(course_dir / "media" / "lesson-3.vtt", "WEBVTT", "NOPE")
    edit(course_dir / "course.yml", "title: Test Course", "title: ''")
    result = runner.invoke(args=["course", "validate", str(course_dir)])
    assert result.exit_code == 1
    assert "lesson-two.md" in result.output
    assert "lesson-3.vtt:1" in result.output
    assert "course.yml:3: 'title' is required" in result.output
    assert "3 problem(s)" in result.output


def test_media_outside_the_course_folder_is_refused(course_dir):
    edit(
        course_dir / "lessons" / "lesson-one.md",
        "video: media/lesson-1.mp4",
        "video: ../../etc/passwd.mp4",
    )
    assert any("is missing" in p for p in problems_of(course_dir))
