"""Parsing and validating a progress heartbeat: every bad input is a clear 4xx, nothing saved."""

from __future__ import annotations

import math
from dataclasses import dataclass

from campus.errors import UserError
from campus.inputs import MAX_ID, decode_json_object

# Media durations from the content files and from the browser differ by a frame or two.
DURATION_TOLERANCE = 1.0
# The player cuts a beat every 10 s (and sooner after many seeks): a few intervals at most.
MAX_INTERVALS = 50
MAX_RATE_REPORTED = 16.0
MAX_NUMBER = 2**53  # the largest integer a float (and JavaScript) holds exactly


@dataclass(frozen=True)
class Heartbeat:
    session_id: int
    sequence: int
    intervals: list[tuple[float, float]]
    position: float
    rate: float


def decode_body(raw: bytes) -> dict:
    """JSON object from a request body (sent as application/json or, by sendBeacon, text/plain)."""
    return decode_json_object(raw, "The progress report")


def _number(body: dict, name: str) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"'{name}' must be a number.", 422)
    if isinstance(value, int) and value > MAX_NUMBER:
        # float() of a long int raises OverflowError; no media time is this long anyway.
        raise UserError(f"'{name}' is too large.", 422)
    if not math.isfinite(value) or value < 0:
        raise UserError(f"'{name}' must be a finite, non-negative number.", 422)
    return float(value)


def _integer(body: dict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UserError(f"'{name}' must be a non-negative whole number.", 422)
    if value > MAX_ID:
        raise UserError(f"'{name}' is too large.", 422)
    return value


def _interval(pair, duration: float) -> tuple[float, float]:
    if not isinstance(pair, list) or len(pair) != 2:
        raise UserError("Each interval must be a [start, end] pair.", 422)
    start, end = (_number({"interval": value}, "interval") for value in pair)
    if end < start:
        raise UserError("An interval ends before it starts.", 422)
    if end > duration + DURATION_TOLERANCE:
        raise UserError("An interval goes beyond the end of the video.", 422)
    return start, min(end, duration)


def parse_heartbeat(body: dict, duration: float) -> Heartbeat:
    """Validate a decoded heartbeat against the lesson's media duration."""
    intervals = body.get("intervals")
    if not isinstance(intervals, list):
        raise UserError("'intervals' must be a list of [start, end] pairs.", 422)
    if len(intervals) > MAX_INTERVALS:
        raise UserError("Too many intervals in one progress report.", 422)
    session_id = _integer(body, "session")
    if session_id == 0:
        raise UserError("'session' must identify a viewing session.", 422)
    position = _number(body, "position")
    if position > duration + DURATION_TOLERANCE:
        raise UserError("'position' is beyond the end of the video.", 422)
    rate = _number(body, "rate")
    if rate == 0 or rate > MAX_RATE_REPORTED:
        raise UserError("'rate' must be a playback rate above 0.", 422)
    return Heartbeat(
        session_id=session_id,
        sequence=_integer(body, "seq"),
        intervals=[_interval(pair, duration) for pair in intervals],
        position=min(position, duration),
        rate=rate,
    )
