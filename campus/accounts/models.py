"""The User model and its roles."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Index, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from campus.extensions import db
from campus.models import utcnow


class Role(enum.StrEnum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


#: Who counts as staff: the one home of the rule, in Python (User.is_staff) and SQL.
STAFF_ROLES = (Role.INSTRUCTOR.value, Role.ADMIN.value)


def normalize_email(email: str) -> str:
    """The one spelling of an address that sign-up, login and look-ups compare."""
    return email.strip().lower()


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


def staff_badge(role: str) -> str | None:
    """The role shown beside a staff member's name in the forum ("Instructor")."""
    return role.capitalize() if role in STAFF_ROLES else None


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # Staff lists of a course's learners sort by name and page through them (course/progress).
    __table_args__ = (Index("ix_users_full_name", "full_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default=Role.LEARNER.value)
    license_state: Mapped[str | None] = mapped_column(String(2))
    license_number: Mapped[str | None] = mapped_column(String(40))
    # IANA name; None means the site's DEFAULT_TIME_ZONE (see campus.timezones).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # Part of the login cookie; rotating it ends every session and remember-me cookie.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    is_disabled: Mapped[bool] = mapped_column(default=False)
    # When the owner opened the confirmation link (or a reset link) sent to this address;
    # None: not yet, and the account cannot sign in. Accounts made by staff are confirmed.
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def get_id(self) -> str:
        """Flask-Login stores this in the session and the remember cookie."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_disabled

    @hybrid_property
    def is_staff(self) -> bool:
        """Instructors and admins see every course's lessons, learners and forum."""
        return self.role in STAFF_ROLES

    @is_staff.inplace.expression
    @classmethod
    def _is_staff_expression(cls):
        return cls.role.in_(STAFF_ROLES)

    @property
    def staff_badge(self) -> str | None:
        return staff_badge(self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_all_sessions(self) -> None:
        self.session_token = new_session_token()
