"""Flask-Migrate, imported only when a migration runs.

Flask-Migrate imports Alembic and Mako as it loads: 12 MB in every process, web workers
among them, which never migrate. So the app registers this stand-in instead. It holds the
options Flask-Migrate will get (``configure_args``, where areas add theirs at start-up),
and becomes the real extension the first time anything asks it for more: ``flask db ...``,
or flask_migrate's own functions (``upgrade()`` in tests and benches), which read
``current_app.extensions["migrate"]``.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import ScriptInfo


class LazyMigrate:
    """Bound like Flask-Migrate's ``Migrate``; its options end up there unchanged."""

    def __init__(self, **options):
        self.options = options

    def init_app(self, app: Flask, db, directory: str) -> None:
        app.extensions["migrate"] = _PendingConfig(app, db, directory, dict(self.options))
        app.cli.add_command(_MigrationCommands("db", help="Database migrations (Alembic)."))


class _PendingConfig:
    """Stands in app.extensions["migrate"] until first use, then hands over to the real one."""

    def __init__(self, app: Flask, db, directory: str, configure_args: dict):
        self.app, self.db, self.directory = app, db, directory
        self.configure_args = configure_args

    def load(self):
        """Flask-Migrate's own config object, put in this one's place (imports Alembic)."""
        from flask_migrate import Migrate

        Migrate(directory=self.directory, **self.configure_args).init_app(self.app, self.db)
        return self.app.extensions["migrate"]

    def __getattr__(self, name: str):
        return getattr(self.load(), name)


def real_config(app: Flask):
    """The app's Flask-Migrate config, loading it if still pending."""
    config = app.extensions["migrate"]
    return config.load() if isinstance(config, _PendingConfig) else config


class _MigrationCommands(click.Group):
    """``flask db``: Flask-Migrate's command group, imported when ``db`` is named. Its options
    (-d, -x) and callback are adopted before parsing, its commands looked up in it."""

    def _group(self, ctx: click.Context) -> click.Group:
        real_config(ctx.ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db

        return db

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        real = self._group(ctx)
        self.params, self.callback = real.params, real.callback
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._group(ctx).list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str):
        return self._group(ctx).get_command(ctx, name)
