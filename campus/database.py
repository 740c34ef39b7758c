"""Database engine tuning: SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL
gets connect, statement and lock timeouts and a client-side deadline, so a database that is
down or frozen costs a request seconds, never minutes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url

SQLITE_BUSY_TIMEOUT_MS = 5000
# How much longer than statement_timeout the client waits for an answer: the server's own
# timeout normally ends a slow statement first; this one ends the wait on a frozen server.
ANSWER_GRACE_SECONDS = 1.0


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection that stops waiting for a server that has stopped answering.

    statement_timeout makes a live server give up on a slow statement; it cannot help when
    the server itself is frozen (stopped, swapping, a partition that keeps TCP open): the
    kernel still acknowledges every packet, so libpq would wait for ever. Here each wait on
    the socket has a deadline. When it passes, the connection is closed (its state is
    unknown mid-statement) and OperationalError raised, which SQLAlchemy treats as a
    disconnect: the connection leaves the pool and the request answers 503.
    """

    answer_deadline: float | None = None

    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        if timeout is not None or self.answer_deadline is None:
            return super().wait(gen, interval=interval, timeout=timeout)
        try:
            return super().wait(gen, interval=interval, timeout=self.answer_deadline)
        except psycopg.errors._WaitTimeout as error:  # psycopg's wait deadline passed
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.answer_deadline:g} s"
            ) from error


def postgres_settings(config: dict) -> dict:
    """Engine options for PostgreSQL from DATABASE_CONNECT/STATEMENT/LOCK_TIMEOUT.

    The server-side timeouts travel in the startup packet (``options``), so they cost no
    round trip per connection."""
    milliseconds = {
        "statement_timeout": round(config["DATABASE_STATEMENT_TIMEOUT"] * 1000),
        "lock_timeout": round(config["DATABASE_LOCK_TIMEOUT"] * 1000),
    }
    return {
        "connect_timeout": max(2, round(config["DATABASE_CONNECT_TIMEOUT"])),  # libpq's minimum
        "options": " ".join(f"-c {name}={value}" for name, value in milliseconds.items()),
    }


def apply_engine_options(config: dict) -> None:
    """Add the PostgreSQL timeouts to SQLALCHEMY_ENGINE_OPTIONS (SQLite takes none of them)."""
    if make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "postgresql":
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["connect_args"] = {**postgres_settings(config), **options.get("connect_args", {})}
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _deadline_connect(deadline: float):
    """A do_connect listener that opens DeadlineConnections instead of plain ones."""

    def connect(_dialect, _record, cargs, cparams):
        connection = DeadlineConnection.connect(*cargs, **cparams)
        connection.answer_deadline = deadline
        return connection

    return connect


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    from campus import availability
    from campus.extensions import db

    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _tune_sqlite)
        if engine.dialect.driver == "psycopg":
            deadline = app.config["DATABASE_STATEMENT_TIMEOUT"] + ANSWER_GRACE_SECONDS
            event.listen(engine, "do_connect", _deadline_connect(deadline))
        event.listen(engine, "before_cursor_execute", availability.statement_sent)
        event.listen(engine, "after_cursor_execute", availability.statement_answered)


def is_postgres() -> bool:
    from campus.extensions import db

    return db.engine.dialect.name == "postgresql"


def insert_for(model):
    """An INSERT with on_conflict_* methods for the current database (SQLite and PostgreSQL
    both speak INSERT ... ON CONFLICT)."""
    from campus.extensions import db

    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(model)


def begin_write() -> None:
    """On SQLite, open the write transaction now (BEGIN IMMEDIATE), before any read.

    pysqlite only begins a transaction at the first INSERT/UPDATE/DELETE, after our reads,
    so a read-modify-write could interleave with another writer; and a SAVEPOINT opened
    outside a transaction commits on its own when released, tearing a request's one
    transaction in two. PostgreSQL needs neither: it has row locks and real savepoints.
    """
    from campus.extensions import db

    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def without_statement_deadline(connection: Connection) -> Iterator[None]:
    """For migrations: a schema change on a big table may rightly run longer than a web
    request's statement_timeout, so neither the server's timeout nor the client's deadline
    applies until the block ends (lock_timeout still does: a migration queued behind a long
    transaction would otherwise stall every request behind it)."""
    if connection.dialect.name != "postgresql":
        yield
        return
    dbapi_connection = connection.connection.dbapi_connection
    deadline = getattr(dbapi_connection, "answer_deadline", None)
    # Committed at once: SET is transactional, and Alembic must open its own transaction.
    connection.exec_driver_sql("SET statement_timeout = 0")
    connection.commit()
    if deadline is not None:
        dbapi_connection.answer_deadline = None
    try:
        yield
    finally:
        if deadline is not None:
            dbapi_connection.answer_deadline = deadline
        connection.exec_driver_sql("RESET statement_timeout")
        connection.commit()
