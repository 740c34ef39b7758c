"""The real-time rule for contact hours: coverage and viewing time, and the learner's note.

A lesson counts toward CE only when two facts both reach the course's completion threshold:
coverage (which media seconds were seen) and viewing time (real seconds spent playing, judged
against the wall clock). Playback faster than the course's credit rate still covers the video,
so it stays useful for review, but earns viewing time no faster: at 2x a 10-minute lesson
needs 9 minutes of real viewing at a 0.9 threshold, like at 1x.

Why: a contact hour is 60 minutes of instruction (AOTA; ../shared/ce-certificates.md), and
the review of issue 10 found 6.65 contact hours could be earned in about 3.3 real hours at 2x.
A course may allow up to 1.25x of credit, never more.
"""

from __future__ import annotations

import math

DEFAULT_CREDIT_RATE = 1.0
MAX_CREDIT_RATE = 1.25
# Float noise between beats must not hold a lesson open.
EPSILON = 1e-6
FASTER_PLAYBACK_NOTE = "faster playback does not shorten CE time"


def credit_rate(course) -> float:
    """The playback rate up to which real viewing time is credited (1.0 to 1.25)."""
    rate = float(course.setting("credit_rate") or DEFAULT_CREDIT_RATE)
    return min(max(rate, DEFAULT_CREDIT_RATE), MAX_CREDIT_RATE)


def threshold(course) -> float:
    return course.completion_threshold


def coverage_required(course, duration: float) -> float:
    return threshold(course) * duration


def viewing_required(course, duration: float) -> float:
    """Real seconds of playing time a lesson of ``duration`` media seconds needs."""
    return threshold(course) * duration / credit_rate(course)


def is_complete(course, duration: float, watched: float, viewing: float) -> bool:
    return (
        duration > 0
        and watched >= coverage_required(course, duration) - EPSILON
        and viewing >= viewing_required(course, duration) - EPSILON
    )


def _minutes(seconds: float) -> str:
    minutes = math.ceil(max(seconds, 0.0) / 60)
    return "1 minute" if minutes <= 1 else f"{minutes} minutes"


def completion_note(course, duration: float, watched: float, viewing: float) -> str:
    """Why the lesson is not complete yet, in the learner's words; "" when it is."""
    if duration <= 0 or is_complete(course, duration, watched, viewing):
        return ""
    parts = []
    unseen = coverage_required(course, duration) - watched
    if unseen > EPSILON:
        parts.append(f"{_minutes(unseen)} of the video not yet watched")
    left = viewing_required(course, duration) - viewing
    if left > EPSILON:
        parts.append(f"{_minutes(left)} of viewing time left; {FASTER_PLAYBACK_NOTE}")
    return "; ".join(parts)
