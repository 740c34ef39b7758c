"""Flask-Login wiring: cookies carry "id:session_token", so rotating the token ends sessions."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import Flask, abort
from flask_login import AnonymousUserMixin, current_user

from campus.extensions import db, login_manager


def load_user(cookie_id: str):
    from campus.accounts.models import User

    user_id, _, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.is_disabled:
        return None
    if not hmac.compare_digest(user.session_token, token):
        return None
    return user


def staff_required(view):
    """Instructors and admins only; anonymous users are sent to log in."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


class Anonymous(AnonymousUserMixin):
    """A visitor: never staff, so `current_user.is_staff` needs no is_authenticated guard."""

    id = None
    is_staff = False
    is_admin = False


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
