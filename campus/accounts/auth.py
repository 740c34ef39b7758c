"""Flask-Login wiring: cookies carry "id:session_token", so rotating the token ends sessions."""

from __future__ import annotations

import hmac
import time
from functools import wraps

from flask import Flask, abort, current_app, flash, session
from flask_login import AnonymousUserMixin, current_user, logout_user, user_loaded_from_cookie

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


SEEN_EVERY = 60  # seconds: the session (and its cookie) is rewritten at most once a minute


def start_session_clock(*_args, **_kwargs) -> None:
    """At sign-in (or a remember-me restore): the absolute lifetime starts now."""
    now = int(time.time())
    session["_auth_at"] = session["_seen_at"] = now


def enforce_session_lifetime() -> None:
    """Before each request: end a session idle too long or older than its absolute lifetime.

    Every request of the user counts as activity, a playing video's progress beats (one
    each 10 s) among them, so a learner watching a long lesson stays signed in.
    """
    if "_user_id" not in session:
        return
    config = current_app.config
    now = int(time.time())
    auth_at = session.setdefault("_auth_at", now)
    seen_at = session.setdefault("_seen_at", now)
    if (
        now - seen_at > config["SESSION_IDLE_TIMEOUT"]
        or now - auth_at > config["SESSION_ABSOLUTE_LIFETIME"]
    ):
        from campus.security_log import security_event

        user_id = session["_user_id"].partition(":")[0]
        security_event("session_expired", "signed_out", int(user_id) if user_id.isdigit() else None)
        session.clear()
        logout_user()  # also clears the remember-me cookie
        flash("You were signed out after a while without activity. Please log in again.", "info")
    elif now - seen_at >= SEEN_EVERY:
        session["_seen_at"] = now


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(enforce_session_lifetime)
    user_loaded_from_cookie.connect(start_session_clock, app)
