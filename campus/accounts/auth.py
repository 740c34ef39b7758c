"""Flask-Login wiring: cookies carry "id:session_token", so rotating the token ends sessions."""

from __future__ import annotations

import hmac
import time
from functools import wraps

from flask import Flask, abort, current_app, flash, redirect, request, session
from flask_login import (
    AnonymousUserMixin,
    current_user,
    login_url,
    logout_user,
    user_loaded_from_cookie,
)
from werkzeug.exceptions import HTTPException

from campus.extensions import db, login_manager
from campus.security import safe_target


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


def send_to_login():
    """A visitor on a signed-in page goes to log in, and comes back to a page that answers GET.

    A GET comes back to the same address. A form POST cannot be repeated by a redirect (the
    login would land on 405), so it comes back to the page the form was on, if that page is
    on this site and answers GET; otherwise to the default after login.
    """
    flash(login_manager.login_message, login_manager.login_message_category)
    if request.method in ("GET", "HEAD"):
        target = request.full_path.removesuffix("?")
    else:
        target = safe_target(request.referrer, "")
        if not _answers_get(target):
            target = ""
    return redirect(login_url(login_manager.login_view, next_url=target or None))


def _answers_get(path: str) -> bool:
    if not path:
        return False
    adapter = current_app.url_map.bind(request.host, script_name=request.script_root or None)
    try:
        adapter.match(path.partition("?")[0], method="GET")
    except HTTPException:  # 404, 405, or a redirect rule
        return False
    return True


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
    login_manager.unauthorized_handler(send_to_login)
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(enforce_session_lifetime)
    user_loaded_from_cookie.connect(start_session_clock, app)
