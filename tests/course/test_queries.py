"""Query counts of the main course pages do not grow with lessons or learners."""

import shutil
from pathlib import Path

import pytest

from campus.extensions import db
from course.importer.sync_course import import_course
from tests.factories import FIXTURE_CONTENT, make_enrollment, make_user
from tests.helpers import count_queries, login


def build_course(root: Path, slug: str, lessons: int) -> Path:
    """A copy of the fixture course with `lessons` lessons in its first module."""
    folder = root / slug
    shutil.copytree(FIXTURE_CONTENT / "test-course", folder)
    template = (folder / "lessons" / "lesson-one.md").read_text()
    slugs = [f"extra-{n}" for n in range(lessons - 3)]
    for extra in slugs:
        (folder / "lessons" / f"{extra}.md").write_text(template.replace("Lesson one", extra))
    course_yml = (folder / "course.yml").read_text().replace("slug: test-course", f"slug: {slug}")
    listing = "".join(f"      - {extra}\n" for extra in slugs)
    course_yml = course_yml.replace("      - lesson-two\n", "      - lesson-two\n" + listing)
    (folder / "course.yml").write_text(course_yml)
    return folder


@pytest.fixture
def two_sizes(tmp_path, app, monkeypatch):
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(tmp_path))
    small, large = build_course(tmp_path, "small", 3), build_course(tmp_path, "large", 15)
    for folder in (small, large):
        import_course(folder)
    db.session.commit()


def queries_for(client, path: str) -> int:
    with count_queries() as statements:
        response = client.get(path)
        assert response.status_code == 200, path
    return len(statements)


@pytest.mark.parametrize(
    "page", ["/courses/{slug}", "/courses/{slug}/lessons/lesson-two", "/", "/dashboard"]
)
def test_page_queries_do_not_grow_with_lessons_or_learners(client, two_sizes, page):
    from sqlalchemy import select

    from course.models import Course

    learner = make_user()
    for course in db.session.scalars(select(Course)):
        make_enrollment(learner, course)
    login(client, learner)
    small = queries_for(client, page.format(slug="small"))
    others = [make_user() for _ in range(25)]
    large_course = db.session.scalar(select(Course).where(Course.slug == "large"))
    for other in others:
        make_enrollment(other, large_course)
    large = queries_for(client, page.format(slug="large"))
    assert small == large, f"{page}: {small} queries with 3 lessons, {large} with 15"
    assert large <= 12, f"{page}: {large} queries"
