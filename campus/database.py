"""Database engine tuning: SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 5000


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    from campus.extensions import db

    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _tune_sqlite)


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
