"""Forum categories from a course's content files (the optional `forum:` section of
course.yml), with defaults when it is absent. Idempotent: upsert by slug, never delete."""

from __future__ import annotations

import re

from sqlalchemy import select

from campus.errors import UserError
from campus.extensions import db
from community.models import Category
from course.models import Course, Module

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def default_categories(modules: list[Module]) -> list[dict]:
    """Introductions, Problem-solving, one per module, then staff-only Announcements."""
    specs = [
        {
            "slug": "introductions",
            "title": "Introductions",
            "description": "Say hello: your setting, your caseload, what you hope to change.",
        },
        {
            "slug": "problem-solving",
            "title": "Problem-solving",
            "description": "Ask the group about a practical problem; mark the answer that worked.",
        },
    ]
    for module in modules:
        specs.append(
            {
                "slug": f"module-{module.slug}",
                "title": module.title,
                "description": f"Questions and ideas about {module.title}.",
            }
        )
    specs.append(
        {
            "slug": "announcements",
            "title": "Announcements",
            "start": "staff",
            "announce": True,
            "description": "News from the instructor.",
        }
    )
    return specs


def validate_forum_spec(forum) -> list[dict]:
    """Check the `forum:` section; raise UserError naming the first problem."""
    if not isinstance(forum, dict) or not isinstance(forum.get("categories"), list):
        raise UserError("forum: needs a 'categories' list")
    seen: set[str] = set()
    for index, item in enumerate(forum["categories"]):
        where = f"forum.categories[{index}]"
        if not isinstance(item, dict) or not SLUG.match(str(item.get("slug", ""))):
            raise UserError(f"{where}: each category needs a lowercase-hyphenated 'slug'")
        if not str(item.get("title") or "").strip():
            raise UserError(f"{where}: 'title' is required")
        if item.get("start", "everyone") not in ("everyone", "staff"):
            raise UserError(f"{where}: 'start' must be 'everyone' or 'staff'")
        if item["slug"] in seen:
            raise UserError(f"{where}: slug '{item['slug']}' is used twice")
        seen.add(item["slug"])
    return forum["categories"]


def seed_categories(course: Course, forum_spec: dict | None) -> list[str]:
    """Create or update the course's categories; returns the slugs created."""
    modules = list(
        db.session.scalars(
            select(Module)
            .where(Module.course_id == course.id, Module.is_published.is_(True))
            .order_by(Module.position)
        )
    )
    specs = validate_forum_spec(forum_spec) if forum_spec else default_categories(modules)
    existing = {
        c.slug: c
        for c in db.session.scalars(select(Category).where(Category.course_id == course.id))
    }
    created = []
    for position, spec in enumerate(specs):
        category = existing.get(spec["slug"])
        if category is None:
            category = Category(course_id=course.id, slug=spec["slug"])
            db.session.add(category)
            created.append(spec["slug"])
        values = {
            "title": str(spec["title"]).strip(),
            "description": str(spec.get("description") or ""),
            "position": position,
            "is_staff_only": spec.get("start") == "staff",
            "is_announcements": bool(spec.get("announce", False)),
        }
        for key, value in values.items():
            if getattr(category, key) != value:
                setattr(category, key, value)
    db.session.flush()
    return created
