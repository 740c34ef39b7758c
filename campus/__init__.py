"""campus: the shared kernel. create_app() builds the Flask application."""

from __future__ import annotations

from pathlib import Path

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from campus import logs
from campus.config import (
    PROJECT_ROOT,
    apply_cookie_prefix,
    apply_storage_options,
    check_media_urls,
    check_public_base_url,
    check_rate_limit_storage,
    check_secret_key,
    check_time_zone,
    dev_secret_key,
    load_config,
)


def create_app(test_config: dict | None = None) -> Flask:
    load_dotenv(PROJECT_ROOT / ".env")
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(Path(app.instance_path)))
    app.config["DEBUG"] = app.debug
    if test_config:
        app.config.from_mapping(test_config)
    if app.debug and not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = dev_secret_key(Path(app.instance_path))
    check_secret_key(app.config)
    apply_cookie_prefix(app.config)
    check_time_zone(app.config)
    check_public_base_url(app.config)
    check_rate_limit_storage(app.config)
    check_media_urls(app.config)
    apply_storage_options(app.config)
    logs.configure(app)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        # Not X-Forwarded-Host: no link is built from the host (campus.urls), so trusting
        # a header a client can send would only add risk.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)
    _init_extensions(app)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:
    from campus import availability, database, errors, inputs, security
    from campus.accounts import auth
    from campus.extensions import csrf, db, limiter, migrate
    from campus.jobs import queue as job_queue

    inputs.init_app(app)  # before any blueprint's rules are built
    import_all_models()
    import_all_jobs()
    database.apply_engine_options(app.config)
    db.init_app(app)
    database.init_app(app)
    availability.init_app(app)  # before the limiter: a refused request spends no budget
    job_queue.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    security.init_app(app)

    from campus.templating import init_app as init_templating

    init_templating(app)


def import_all_models() -> None:
    """Import every area's models so the metadata (and Alembic) sees all tables."""
    import campus.accounts.models  # noqa: F401
    import campus.audit.models  # noqa: F401
    import campus.enrollment.models  # noqa: F401
    import campus.jobs.models  # noqa: F401
    import campus.organisations.models  # noqa: F401
    import community.models  # noqa: F401
    import course.assessment.models  # noqa: F401
    import course.certificates.models  # noqa: F401
    import course.models  # noqa: F401
    import course.progress.models  # noqa: F401
    import course.records.models  # noqa: F401


def import_all_jobs() -> None:
    """Import every area's jobs so a worker knows every job name (campus.jobs.registry)."""
    import campus.accounts.jobs  # noqa: F401
    import community.notifications.jobs  # noqa: F401
    import course.certificates.jobs  # noqa: F401
    import course.completion.jobs  # noqa: F401
    import course.districts.jobs  # noqa: F401
    import course.records.jobs  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    """Every blueprint and CLI group of every area, in one explicit list."""
    from campus.accounts import views as accounts
    from campus.accounts.cli import users_cli
    from campus.audit import admin_views as audit_admin
    from campus.backup import backup_command
    from campus.health import bp as health
    from campus.jobs import admin_views as jobs_admin
    from campus.jobs.cli import jobs_cli
    from community import views as forum
    from community.cli import forum_cli
    from community.moderation import admin_views as moderation
    from community.notifications import views as notifications
    from course import admin_views as course_admin
    from course import views as catalog
    from course.assessment import admin_views as assessment_admin
    from course.certificates import admin_views as certificates_admin
    from course.certificates import views as certificates
    from course.cli import course_cli
    from course.completion import admin_views as completion_admin
    from course.completion import views as completion
    from course.districts import admin_views as districts_admin
    from course.districts import views as districts
    from course.progress import admin_views as progress_admin
    from course.progress import views as progress
    from course.records import admin_views as records_admin
    from course.records.cli import records_cli

    for blueprint in (
        health,
        accounts.bp,
        audit_admin.bp,
        jobs_admin.bp,
        catalog.bp,
        course_admin.bp,
        progress.bp,
        progress_admin.bp,
        completion.bp,
        completion_admin.bp,
        assessment_admin.bp,
        certificates.bp,
        certificates_admin.bp,
        districts.bp,
        districts_admin.bp,
        records_admin.bp,
        forum.bp,
        moderation.bp,
        notifications.bp,
    ):
        app.register_blueprint(blueprint)
    for group in (users_cli, course_cli, forum_cli, jobs_cli, records_cli, backup_command):
        app.cli.add_command(group)

    import community

    community.init_app(app)
    _name_audit_targets()


def _name_audit_targets() -> None:
    """The audit log names each wing's rows (course titles, thread titles) through the
    namers the wings provide; the kernel imports none of them itself."""
    from campus.audit.queries import register_namer
    from community.queries import post_names, thread_titles
    from course.certificates.queries import certificate_names
    from course.queries import course_titles

    register_namer("course", course_titles)
    register_namer("certificate", certificate_names)
    register_namer("forum_thread", thread_titles)
    register_namer("forum_post", post_names)
