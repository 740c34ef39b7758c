"""community: the course forum beside the lessons (categories, threads, answers,
lesson moments, notifications, search, moderation)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("community", __name__)


def init_app(app: Flask) -> None:
    """Register the forum's routes, nav context, lesson-page helper and CLI."""
    import os

    from community import member_views, moderation_views, views  # noqa: F401 - routes on bp
    from community.cli import forum_cli
    from community.templating import forum_context, lesson_threads_for

    for key, default in (
        ("FORUM_POSTS_PER_PAGE", 25),
        ("FORUM_THREADS_PER_PAGE", 30),
        ("FORUM_POSTS_PER_WINDOW", 5),
        ("FORUM_POST_WINDOW_SECONDS", 60),
    ):
        app.config.setdefault(key, int(os.environ.get(key, default)))
    app.register_blueprint(bp)
    _hide_search_index_from_autogenerate(app)
    app.context_processor(forum_context)
    app.add_template_global(lesson_threads_for, "forum_lesson_threads")
    app.cli.add_command(forum_cli)


def _hide_search_index_from_autogenerate(app: Flask) -> None:
    from community.search import alembic_include_object

    migrate = app.extensions.get("migrate")
    if migrate is not None:
        migrate.configure_args.setdefault("include_object", alembic_include_object)
