"""community: the course forum beside the lessons (categories, threads, answers, lesson
moments, search), with its moderation and notifications sub-packages.

Its blueprints and CLI are registered by campus.create_app like every other area's;
init_app adds what the rest of the site needs from the forum.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The bell's count on every page, a lesson's threads on the lesson page, the
    categories seeded when a course is imported, the unanswered questions on the instructor
    dashboard, and the search index kept out of
    Alembic's autogenerate."""
    from community.models import alembic_include_object
    from community.services import seed_forum_categories
    from community.templating import dashboard_panel, forum_context, lesson_threads_for
    from course.signals import course_imported, dashboard_panels

    app.context_processor(forum_context)
    app.add_template_global(lesson_threads_for, "forum_lesson_threads")
    course_imported.connect(seed_forum_categories)
    dashboard_panels.connect(dashboard_panel)
    migrate = app.extensions.get("migrate")
    if migrate is not None:
        migrate.configure_args.setdefault("include_object", alembic_include_object)
