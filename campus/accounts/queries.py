"""Reads about accounts: find one by email, count them by role."""

from __future__ import annotations

from sqlalchemy import func, select

from campus.accounts.models import User, normalize_email
from campus.extensions import db


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def count_users_by_role() -> dict[str, int]:
    rows = db.session.execute(select(User.role, func.count()).group_by(User.role))
    return {role: count for role, count in rows}
