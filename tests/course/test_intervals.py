"""Properties of the interval math that progress credit rests on (hypothesis)."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from course.progress import intervals as iv

DURATION = 600.0
seconds = st.floats(min_value=0, max_value=DURATION, allow_nan=False, allow_infinity=False)
pair = st.tuples(seconds, seconds).map(lambda p: (min(p), max(p)))
interval_sets = st.lists(pair, max_size=12)


def close(a, b, tol=1e-6):
    return len(a) == len(b) and all(
        math.isclose(x[0], y[0], abs_tol=tol) and math.isclose(x[1], y[1], abs_tol=tol)
        for x, y in zip(a, b, strict=True)
    )


def is_normal(intervals):
    return all(s < e for s, e in intervals) and all(
        a[1] < b[0] for a, b in zip(intervals, intervals[1:], strict=False)
    )


@given(interval_sets)
def test_normalize_gives_sorted_disjoint_nonempty_pairs(a):
    assert is_normal(iv.normalize(a))


@given(interval_sets)
def test_union_is_idempotent(a):
    assert close(iv.union(a, a), iv.normalize(a))
    assert close(iv.union(iv.union(a), a), iv.union(a))


@given(interval_sets, interval_sets)
def test_union_is_commutative(a, b):
    assert close(iv.union(a, b), iv.union(b, a))


@given(interval_sets, interval_sets, interval_sets)
def test_union_is_associative(a, b, c):
    assert close(iv.union(iv.union(a, b), c), iv.union(a, iv.union(b, c)))


@given(interval_sets, interval_sets)
def test_measure_of_union_is_bounded(a, b):
    total = iv.measure(iv.union(a, b))
    assert total <= iv.measure(a) + iv.measure(b) + 1e-6
    assert total >= max(iv.measure(a), iv.measure(b)) - 1e-6


@given(st.lists(interval_sets, max_size=20), st.floats(min_value=1, max_value=DURATION))
def test_credited_seconds_never_exceed_the_duration(beats, duration):
    """However many beats, replays or bogus ranges arrive, the clamped union fits the video."""
    watched: list = []
    for beat in beats:
        watched = iv.union(watched, iv.clamp(beat, 0, duration))
    assert iv.measure(watched) <= duration + 1e-6
    assert all(s >= 0 and e <= duration for s, e in watched)


@given(interval_sets, interval_sets)
def test_subtract_leaves_only_new_seconds(a, b):
    new = iv.subtract(a, b)
    assert is_normal(new)
    # disjoint from what was already there, and together they cover the same ground
    assert math.isclose(iv.measure(iv.union(new, b)), iv.measure(new) + iv.measure(b), abs_tol=1e-5)
    assert math.isclose(iv.measure(iv.union(a, b)), iv.measure(iv.union(new, b)), abs_tol=1e-6)


@given(interval_sets, st.floats(min_value=-10, max_value=2 * DURATION))
def test_take_splits_at_the_budget(a, budget):
    kept, rest = iv.take(a, budget)
    assert iv.measure(kept) <= max(budget, 0) + 1e-6
    assert math.isclose(iv.measure(kept) + iv.measure(rest), iv.measure(a), abs_tol=1e-6)
    assert close(iv.union(kept, rest), iv.normalize(a))


@settings(max_examples=200)
@given(
    st.lists(st.tuples(interval_sets, st.floats(min_value=0, max_value=120)), max_size=15),
    st.sampled_from([1.0, 1.5, 2.0]),
)
def test_plausibility_clamp_holds(beats, rate):
    """Credit per session never outruns wall-clock time x the maximum rate (+ grace)."""
    grace = 5.0
    watched: list = []
    credited = 0.0
    elapsed = 0.0
    for beat, wait in beats:
        elapsed += wait
        new = iv.subtract(iv.clamp(beat, 0, DURATION), watched)
        kept, _ = iv.take(new, (elapsed + grace) * rate - credited)
        before = iv.measure(watched)
        watched = iv.union(watched, kept)
        credited += iv.measure(watched) - before
        assert credited <= (elapsed + grace) * rate + 1e-6
        assert iv.measure(watched) <= DURATION + 1e-6


def test_examples():
    assert iv.normalize([(5, 10), (0, 2), (2, 3), (9, 12), (4, 4)]) == [(0, 3), (5, 12)]
    assert iv.subtract([(0, 10)], [(2, 3), (5, 6)]) == [(0, 2), (3, 5), (6, 10)]
    assert iv.take([(0, 4), (10, 20)], 6) == ([(0, 4), (10, 12)], [(12, 20)])
    assert iv.clamp([(-5, 3), (590, 700)], 0, 600) == [(0, 3), (590, 600)]


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.integers(0, 600), st.integers(0, 120), st.floats(0, 300)),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([1.0, 2.0]),
)
def test_many_sessions_together_never_outrun_the_wall_clock(plan, rate):
    """Sessions opened at any times, claiming any amounts: for every start T, what all
    sessions begun at or after T were credited fits in (now - T + grace) x rate."""
    from datetime import UTC, datetime, timedelta

    from course.progress.services import GRACE_SECONDS, wall_clock_budget

    origin = datetime(2026, 1, 1, tzinfo=UTC)
    sessions: list[list] = []  # [started_at, credited]
    now = origin
    for opened_after, wait, claim in plan:
        started = origin + timedelta(seconds=opened_after)
        sessions.append([started, 0.0])
        now = max(now, started) + timedelta(seconds=wait)
        current = sessions[-1]
        budget = wall_clock_budget([tuple(s) for s in sessions], current[0], now, rate)
        current[1] += min(claim, budget)
        for anchor, _ in sessions:
            later = sum(c for s, c in sessions if s >= anchor)
            elapsed = max((now - anchor).total_seconds(), 0)
            assert later <= (elapsed + GRACE_SECONDS) * rate + 1e-6


@given(st.lists(pair, max_size=400), st.floats(0, 0.99))
def test_snapping_bounds_a_set_by_the_media_length(a, fraction):
    """Whole seconds: however fragmented the claims, at most end / 2 + 1 intervals remain,
    each endpoint a whole second (or the media's end) within half a second of a claimed one."""
    end = DURATION - fraction
    clamped = iv.clamp(a, 0, end)
    snapped = iv.snap(clamped, end)
    assert is_normal(snapped)
    assert len(snapped) <= math.ceil(end / 2) + 1
    for start, stop in snapped:
        for point in (start, stop):
            assert point == end or point == int(point)
    assert iv.snap(snapped, end) == snapped  # idempotent
    assert iv.measure(snapped) <= iv.measure(iv.union(clamped)) + len(clamped) + 1e-9


def test_snapping_keeps_consecutive_beats_whole():
    """Beats cut at fractional times still meet: nothing is lost between them."""
    beats = [(0, 9.97), (9.97, 19.95), (19.95, 25.2)]
    assert iv.union(*(iv.snap([b], 600.0) for b in beats)) == [(0.0, 25.0)]
