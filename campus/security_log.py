"""The security log: one JSON line per security event on the ``campus.security`` logger.

JSON escapes CR, LF and every other control character, so text a user sent (an email, a
path) cannot start a forged line. Callers pass ids and outcomes, never a password, token,
reset link or cookie.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import click
from flask import g, has_request_context, request

from campus.logs import StderrHandler

log = logging.getLogger("campus.security")


def _request_user_id() -> int | None:
    # The user Flask-Login loaded for this request, without loading one (see security.py).
    user = g.get("_login_user")
    return None if user is None or user.is_anonymous else user.id


def _where() -> tuple[str, str]:
    """(address, route) of the request, or of the command line outside a request."""
    if has_request_context():
        # The rule, not the path: a path may hold a secret (the reset link's token).
        rule = request.url_rule.rule if request.url_rule else request.path
        return request.remote_addr or "unknown", f"{request.method} {rule}"
    context = click.get_current_context(silent=True)
    return "cli", "cli " + (context.command_path if context else "?")


def security_event(event: str, outcome: str, user_id: int | None = None, **details) -> None:
    """Write one line: UTC time, event, outcome, user id (or "anon"), address, route."""
    if user_id is None and has_request_context():
        user_id = _request_user_id()
    address, route = _where()
    record = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event": event,
        "outcome": outcome,
        "user": user_id if user_id is not None else "anon",
        "address": address,
        "route": route,
        **details,
    }
    log.info(json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=str))


def log_forbidden(response):
    """After every request: a 403 is a security event, whoever raised it."""
    if response.status_code == 403:
        security_event("forbidden", "denied")
    return response


def configure(testing: bool) -> None:
    """Lines go to stderr as bare JSON (no prefix), apart from the application log."""
    log.setLevel(logging.INFO)
    if not any(getattr(h, "_campus_security", False) for h in log.handlers):
        handler = StderrHandler()
        handler._campus_security = True
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
    for handler in log.handlers:
        if getattr(handler, "_campus_security", False):
            handler.setLevel(logging.WARNING if testing else logging.INFO)
