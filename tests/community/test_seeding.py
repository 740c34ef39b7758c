"""Forum categories from course.yml's optional `forum:` section."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from campus.errors import UserError
from campus.extensions import db
from community.models import Category
from course.importer.read_forum import validate_forum_spec
from tests.factories import FIXTURE_CONTENT, import_fixture_course

FORUM_SECTION = """
forum:
  categories:
    - slug: hello
      title: Say hello
      description: Introduce yourself.
    - slug: news
      title: News
      start: staff
      announce: true
"""


def test_forum_section_in_course_yml(tmp_path):
    shutil.copytree(FIXTURE_CONTENT / "test-course", tmp_path / "test-course")
    course_yml = tmp_path / "test-course" / "course.yml"
    course_yml.write_text(course_yml.read_text() + FORUM_SECTION)
    course = import_fixture_course(content_dir=tmp_path)
    categories = db.session.scalars(
        select(Category).where(Category.course_id == course.id).order_by(Category.position)
    ).all()
    assert [(c.slug, c.is_staff_only, c.is_announcements) for c in categories] == [
        ("hello", False, False),
        ("news", True, True),
    ]
    import_fixture_course(content_dir=tmp_path)
    assert db.session.scalar(select(db.func.count(Category.id))) == 2


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"categories": "nope"}, "categories"),
        ({"categories": [{"slug": "Bad Slug", "title": "x"}]}, "slug"),
        ({"categories": [{"slug": "a"}]}, "title"),
        ({"categories": [{"slug": "a", "title": "A", "start": "anyone"}]}, "start"),
        ({"categories": [{"slug": "a", "title": "A"}, {"slug": "a", "title": "B"}]}, "twice"),
    ],
)
def test_bad_forum_sections_are_named(spec, message):
    with pytest.raises(UserError, match=message):
        validate_forum_spec(spec)
