"""Dialect-aware upserts (SQLite and PostgreSQL both speak INSERT ... ON CONFLICT)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from campus.extensions import db


def insert_for(model):
    """An INSERT construct with on_conflict_* methods for the current database."""
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model)
