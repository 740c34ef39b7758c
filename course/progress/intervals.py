"""Pure interval math on media seconds: normalize, union, measure, clamp, subtract, take.

An interval set is a sorted list of disjoint, non-empty [start, end] pairs. Every function
here is pure and total on valid input, so the properties that make progress trustworthy
(union is idempotent, commutative, associative; nothing exceeds the duration) are tested
with hypothesis in tests/course/test_intervals.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Interval = tuple[float, float]
IntervalSet = list[Interval]

# Gaps narrower than this (float noise between two beats) are closed when merging.
EPSILON = 1e-6


def normalize(intervals: Iterable[Sequence[float]]) -> IntervalSet:
    """Sort, drop empty pairs and merge overlapping or touching ones."""
    pairs = sorted((float(start), float(end)) for start, end in intervals if end > start)
    merged: IntervalSet = []
    for start, end in pairs:
        if merged and start <= merged[-1][1] + EPSILON:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def union(*sets: Iterable[Sequence[float]]) -> IntervalSet:
    """The union of any number of interval sets, normalized."""
    return normalize(pair for intervals in sets for pair in intervals)


def measure(intervals: Iterable[Sequence[float]]) -> float:
    """Total length in seconds of the (normalized) set."""
    return sum(end - start for start, end in normalize(intervals))


def clamp(intervals: Iterable[Sequence[float]], low: float, high: float) -> IntervalSet:
    """The part of the set inside [low, high]."""
    return normalize((max(start, low), min(end, high)) for start, end in intervals)


def subtract(
    intervals: Iterable[Sequence[float]], removed: Iterable[Sequence[float]]
) -> IntervalSet:
    """The part of `intervals` not covered by `removed`: what a beat adds that is new."""
    result: IntervalSet = []
    cuts = normalize(removed)
    for start, end in normalize(intervals):
        cursor = start
        for cut_start, cut_end in cuts:
            if cut_end <= cursor or cut_start >= end:
                continue
            if cut_start > cursor:
                result.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return normalize(result)


def take(intervals: Iterable[Sequence[float]], seconds: float) -> tuple[IntervalSet, IntervalSet]:
    """Split a set into its first `seconds` of length and the rest (earliest media first).

    Used to credit only as much of a beat as the plausibility budget allows.
    """
    kept: IntervalSet = []
    rest: IntervalSet = []
    budget = max(seconds, 0.0)
    for start, end in normalize(intervals):
        length = end - start
        if budget >= length:
            kept.append((start, end))
            budget -= length
        elif budget > 0:
            kept.append((start, start + budget))
            rest.append((start + budget, end))
            budget = 0.0
        else:
            rest.append((start, end))
    return kept, rest


def snap(intervals: Iterable[Sequence[float]], end: float) -> IntervalSet:
    """Endpoints to the nearest whole second (``end``, the media's length, is kept as one):
    a set of disjoint whole-second intervals has at most end / 2 + 1 members, so a
    learner's stored progress cannot be fragmented beyond the lesson's length."""

    def point(value: float) -> float:
        return end if value >= end - 0.5 else float(math.floor(value + 0.5))

    return normalize((point(start), point(stop)) for start, stop in intervals)


def as_json(intervals: IntervalSet, digits: int = 3) -> list[list[float]]:
    """Rounded [start, end] lists for a JSON column (re-normalized after rounding)."""
    return [
        [start, end]
        for start, end in normalize((round(s, digits), round(e, digits)) for s, e in intervals)
    ]
