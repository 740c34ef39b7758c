"""Progress endpoints (JSON, CSRF-checked, enrolled learners only) and the staff ledger views."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager
from wtforms import ValidationError

from campus.errors import UserError
from campus.extensions import client_address, csrf, db, limiter
from course.models import Lesson
from course.progress import services
from course.progress.heartbeat import decode_body, parse_heartbeat

bp = Blueprint("progress", __name__)


def _beat_limit() -> str:
    """One budget per learner for opening sessions and reporting beats: per learner, not per
    address, because a school's staff share one address. The player sends a beat every 10 s,
    so the default leaves room for catch-up bursts after a time offline; progress.js keeps a
    refused (429) beat queued and retries it after backing off."""
    return current_app.config["PROGRESS_RATE_LIMIT"]


def _beat_key() -> str:
    """The account id (not the session token, which a new login would rotate)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else client_address()


def _session_limit() -> str:
    """Opening a viewing session writes a row the budget query reads: a low limit of its own,
    per learner and lesson (a page load that plays opens one)."""
    return current_app.config["PROGRESS_SESSION_RATE_LIMIT"]


def _session_key() -> str:
    return f"{_beat_key()}:lesson:{request.view_args.get('lesson_id')}"


class SignInNeeded(UserError):
    """The beat may be fine but the login or its CSRF token is not: the player keeps the beat
    queued, asks the learner to sign in again and sends it afterwards (code "login" or "csrf")."""

    def __init__(self, message: str, status_code: int, code: str):
        super().__init__(message, status_code)
        self.code = code


def _require_login() -> None:
    if not current_user.is_authenticated:
        raise SignInNeeded("Please log in to record progress.", 401, "login")


# Built once: every heartbeat runs it (see services._prepared for why).
LESSON_WITH_COURSE = (
    select(Lesson)
    .join(Lesson.course)
    .options(contains_eager(Lesson.course))
    .where(Lesson.id == bindparam("lesson_id"))
)


def _api_lesson(lesson_id: int) -> Lesson:
    """The published lesson with its course loaded, for a signed-in user (one query)."""
    _require_login()
    lesson = db.session.scalar(LESSON_WITH_COURSE, {"lesson_id": lesson_id})
    if lesson is None or not (lesson.is_published and lesson.course.is_published):
        raise UserError("This lesson is not available.", 404)
    return lesson


def _beat_lesson(lesson_id: int, body: dict) -> Lesson:
    """The published lesson of an enrolled learner, with the enrollment checked and the
    learner locked in the same statement (services.lesson_for_heartbeat). When that finds
    nothing, the lesson is looked up alone so that the answer is the one it always was: 404
    for a missing or unpublished lesson, then 422 for a bad beat, then 403."""
    _require_login()
    lesson = services.lesson_for_heartbeat(current_user, lesson_id)
    if lesson is None:
        lesson = _api_lesson(lesson_id)
        parse_heartbeat(body, lesson.duration_seconds)
        raise UserError(services.NOT_ENROLLED, 403)
    if not (lesson.is_published and lesson.course.is_published):
        raise UserError("This lesson is not available.", 404)
    return lesson


def _check_csrf(body: dict) -> None:
    """CSRF stays enforced: the header for fetch(), or a body field for sendBeacon()."""
    token = request.headers.get("X-CSRFToken") or body.get("csrf_token")
    if not isinstance(token, str):
        raise UserError("Security check failed: the CSRF token is missing or not text.")
    try:
        validate_csrf(token)
    except (ValidationError, CSRFError) as error:
        raise SignInNeeded(f"Security check failed: {error}", 400, "csrf") from error


def _json_error(error: UserError):
    db.session.rollback()
    answer = {"error": error.message}
    if isinstance(error, SignInNeeded):
        answer["code"] = error.code
    return jsonify(answer), error.status_code


@bp.get("/api/progress/token")
def fresh_token():
    """A CSRF token for a player page whose login ended and was renewed in another tab (the
    page's own token belongs to the old login); 401 while the learner is still signed out."""
    try:
        _require_login()
    except UserError as error:
        response = _json_error(error)
    else:
        response = jsonify(csrf_token=generate_csrf())
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/lessons/<int:lesson_id>/sessions")
@csrf.exempt
@limiter.shared_limit(_beat_limit, scope="progress", key_func=_beat_key)
@limiter.limit(_session_limit, key_func=_session_key)
def start_session(lesson_id: int):
    try:
        body = decode_body(request.get_data() or b"{}")
        _check_csrf(body)
        lesson = _api_lesson(lesson_id)
        session = services.start_session(current_user, lesson)
        answer = {"session": session.id, "started_at": session.started_at.isoformat()}
        db.session.commit()
    except UserError as error:
        return _json_error(error)
    return jsonify(answer), 201


@bp.post("/api/lessons/<int:lesson_id>/progress")
@csrf.exempt
@limiter.shared_limit(_beat_limit, scope="progress", key_func=_beat_key)
def record_progress(lesson_id: int):
    try:
        body = decode_body(request.get_data())
        _check_csrf(body)
        lesson = _beat_lesson(lesson_id, body)
        beat = parse_heartbeat(body, lesson.duration_seconds)
        result = services.record_enrolled_heartbeat(current_user, lesson, beat)
        answer = result.as_json(lesson.duration_seconds)  # before commit expires the rows
        db.session.commit()
    except UserError as error:
        return _json_error(error)
    return jsonify(answer)
