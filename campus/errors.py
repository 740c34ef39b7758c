"""User-safe errors and the error pages: a clear message, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, abort, flash, jsonify, render_template, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from campus import availability

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Not allowed", "You don't have access to this page."),
    404: ("Not found", "There is nothing at this address."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    429: ("Too many requests", "Too many attempts. Please wait a little and try again."),
    500: ("Something went wrong", "An unexpected error occurred. It has been logged."),
}


class UserError(Exception):
    """An error whose message is safe, and meant, to be shown to the user."""

    status_code = 400

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


@contextmanager
def user_errors_flashed() -> Iterator[None]:
    """Around a POST view's act-commit-flash: a UserError rolls the request back, then
    403 and 404 become that error page and anything else is flashed for the next page."""
    try:
        yield
    except UserError as error:
        from campus.extensions import db

        db.session.rollback()
        if error.status_code in (403, 404):
            abort(error.status_code)
        flash(error.message, "error")


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        return jsonify(error=detail or message), code
    try:
        page = render_template(
            "errors/error.html", code=code, title=title, message=detail or message
        )
    except SQLAlchemyError as error:
        # The layout reads the signed-in user: with the database gone, say that instead of
        # leaving the server's bare error page.
        failure = availability.answer_failure(error)
        if failure is None:
            raise
        return failure, failure.status_code
    return page, code


def handle_http_exception(error: HTTPException):
    code = error.code or 500
    if code not in MESSAGES:
        return error
    # CSRF failures and form problems explain themselves; other descriptions are framework text.
    detail = error.description if code in (400, 429) and error.description else None
    if code == 429:
        detail = None
    response, status = render_error(code, detail)
    response = _as_response(response, status)
    if error.response is not None:  # e.g. Retry-After set by the rate limiter
        for key in ("Retry-After", "Allow"):
            if key in error.response.headers:
                response.headers[key] = error.response.headers[key]
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    failure = availability.answer_failure(error)
    if failure is not None:  # the database is unreachable or busy: 503, one log line
        return failure
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return render_error(InternalServerError.code)


def _as_response(body, status):
    from flask import make_response

    return make_response(body, status)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
