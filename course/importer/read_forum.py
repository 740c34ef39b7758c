"""Forum categories from a course's files: the optional `forum:` section of course.yml,
checked here, or the defaults when it is absent. The forum seeds them when a course is
imported (community listens for course.signals.course_imported)."""

from __future__ import annotations

import re

from campus.errors import UserError

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def default_categories(modules) -> list[dict]:
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


def forum_categories(forum, modules) -> list[dict]:
    """The categories a course's forum should have: its own list, or the defaults."""
    return validate_forum_spec(forum) if forum else default_categories(modules)
