"""When the database cannot answer: 503 with Retry-After on every route, one log line per
outage, and requests refused at once (not each waiting for its own timeout) until a probe
finds the database back.

Each process keeps its own view (`OUTAGE`): the first failure that shows the database is
unreachable opens the outage and logs one line; while it lasts, requests are refused before
they touch the database, except one probe at a time (`SELECT 1` ahead of a real request, a
second after the last one failed); the
first statement that answers closes it and logs how long it lasted and how many requests were
refused. A statement or lock timeout on a live server is not an outage: that request alone
answers 503 and the log gets one line, without a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime

import psycopg
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import exc, text

log = logging.getLogger(__name__)

DOWN = "down"  # unreachable: refused, timed out, connection lost, shutting down, full
BUSY = "busy"  # answered, but gave up on this statement (statement or lock timeout)

# Endpoints that never need the database, or check it themselves.
NO_DATABASE = {"static", "health.healthz"}


def classify(error: BaseException | None) -> str | None:
    """DOWN, BUSY, or None for an error that says nothing about availability (a bug: it
    stays a 500 with its traceback).

    An error raised while handling a database failure (PendingRollbackError, from a session
    used again after its connection broke) is classified by the failure behind it."""
    for _ in range(5):
        if error is None:
            return None
        kind = _classify_one(error)
        if kind is not None or not isinstance(error, exc.PendingRollbackError):
            return kind
        error = error.__cause__ or error.__context__
    return None


# SQLSTATEs of a server that cannot serve now: connection exceptions (class 08), shutting
# down or starting up, out of connection slots.
DOWN_STATES = {"57P01", "57P02", "57P03", "53300"}
BUSY_STATES = {"57014", "55P03"}  # query_canceled (statement_timeout), lock_not_available


def _classify_one(error: BaseException) -> str | None:
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return BUSY
    if not isinstance(error, exc.DBAPIError):
        return None
    if error.connection_invalidated:
        return DOWN
    original = error.orig
    if isinstance(original, psycopg.Error):
        state = original.sqlstate
        if state is None:  # raised by the client: refused, timed out, connection lost
            return (
                DOWN
                if isinstance(original, psycopg.OperationalError | psycopg.InterfaceError)
                else None
            )
        if state in BUSY_STATES:
            return BUSY
        # Anything else the server said (a deadlock, a constraint) is about this request.
        return DOWN if state in DOWN_STATES or state.startswith("08") else None
    if isinstance(original, sqlite3.OperationalError) and "locked" in str(original):
        return BUSY
    return None


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text_ = str(original).strip().splitlines()
    return f"{type(original).__name__}: {text_[0] if text_ else ''}"


class DatabaseOutage:
    """This process's view of the database: reachable, or unreachable since a moment."""

    PROBE_EVERY = 1.0  # seconds from a failed probe to the next
    PROBE_LONGEST = 30.0  # a probe that never reports back (it should) stops blocking others
    REPORT_EVERY = 30.0  # seconds between "still unavailable" lines

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: float | None = None  # monotonic
        self._next_probe = 0.0
        self._last_report = 0.0
        self.refused = 0

    @property
    def is_down(self) -> bool:
        return self._started is not None

    def failed(self, error: BaseException) -> None:
        """A request found the database unreachable: open the outage, or count one more."""
        now = time.monotonic()
        with self._lock:
            self.refused += 1
            if self._started is None:
                self._started = self._last_report = now
                self._next_probe = now + self.PROBE_EVERY
                since = datetime.now(UTC).isoformat(timespec="seconds")
                log.error(
                    "database unavailable since %s (%s): answering 503", since, _first_line(error)
                )
            else:
                self._next_probe = min(self._next_probe, now + self.PROBE_EVERY)
            if now - self._last_report >= self.REPORT_EVERY:
                self._last_report = now
                log.error(
                    "database still unavailable after %.0f s: %d requests refused",
                    now - self._started,
                    self.refused,
                )

    def refuse(self) -> bool:
        """While down: True to refuse this request now, False to let it probe. One probe at
        a time, a second after the last one failed: a frozen database holds one request
        (one worker thread) at a time, not one per second."""
        with self._lock:
            if self._started is None:
                return False
            now = time.monotonic()
            if now >= self._next_probe:
                self._next_probe = now + self.PROBE_LONGEST
                return False
            self.refused += 1
            return True

    def answered(self, sent_at: float) -> None:
        """A statement sent at sent_at (monotonic) answered: the outage, if any, is over,
        unless the statement was sent before it began (it was already on its way)."""
        if self._started is None:  # the fast path, once per statement
            return
        with self._lock:
            if self._started is None or sent_at < self._started:
                return
            log.warning(
                "database back after %.1f s: %d requests refused",
                time.monotonic() - self._started,
                self.refused,
            )
            self._started = None
            self.refused = 0


OUTAGE = DatabaseOutage()


def statement_sent(connection, *_args) -> None:
    """SQLAlchemy's before_cursor_execute: when the statement left."""
    connection.info["sent_at"] = time.monotonic()


def statement_answered(connection, *_args) -> None:
    """SQLAlchemy's after_cursor_execute: proof that the database answers."""
    OUTAGE.answered(connection.info.get("sent_at", 0.0))


def unavailable_response(status_detail: str = "unavailable"):
    """The 503 answer, built without the database: no current_user, no layout that reads it.

    JSON for the API (the player keeps a refused beat queued and retries it) and for clients
    that ask for JSON; otherwise a page of its own."""
    retry_after = str(current_app.config["DATABASE_RETRY_AFTER"])
    message = (
        "campus cannot reach its database for a moment, so what you just sent was not saved. "
        "Everything saved before is safe. Please try again in a minute."
    )
    # Flask-Login's template context loads the signed-in user: from the database. This
    # answer is for whoever asked, shown to them as a visitor.
    g._login_user = current_app.login_manager.anonymous_user()
    accept = request.accept_mimetypes
    if request.path.startswith("/api/") or request.is_json or accept.best == "application/json":
        response = jsonify(error=message, code=status_detail)
    else:
        response = current_app.make_response(
            render_template("errors/unavailable.html", message=message)
        )
    response.status_code = 503
    response.headers["Retry-After"] = g.unavailable_retry_after = retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


def answer_failure(error: BaseException):
    """The 503 for a database error that classify() recognizes, else None."""
    kind = classify(error)
    if kind is None:
        return None
    from campus.extensions import db

    db.session.rollback()  # the request's transaction is lost; its connection is dropped
    if kind == DOWN:
        OUTAGE.failed(error)
    else:
        log.warning("database busy on %s %s: %s", request.method, request.path, _first_line(error))
    return unavailable_response(kind)


def refuse_while_down():
    """Before each request: during an outage, refuse at once, or probe with one SELECT.

    Then load the signed-in user, before the rate limiter's key functions read it: a
    database failure met there would be taken by Flask-Limiter for its own storage failing
    (it catches every error of a limit check), and retried on a broken session."""
    if request.endpoint in NO_DATABASE:
        return None
    from campus.extensions import db

    if OUTAGE.is_down:
        if OUTAGE.refuse():
            return unavailable_response()
        db.session.execute(text("SELECT 1"))  # fails into answer_failure, or ends the outage
    _ = current_user.is_authenticated
    return None


def keep_retry_after(response):
    """After every other after_request (this one is registered first, so it runs last):
    Flask-Limiter writes its own Retry-After, the reset of the route's rate-limit window (a
    minute on the progress API), over the 503's."""
    retry_after = g.get("unavailable_retry_after")
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def init_app(app: Flask) -> None:
    app.before_request(refuse_while_down)
    app.after_request(keep_retry_after)
