"""Post-test item analysis, as arithmetic over answers already loaded (no queries here).

For each item: difficulty (the share who got it right), discrimination two ways, how often
each choice was picked, and flags for items that misbehave. Every learner counts once, by
their first submitted attempt: a retake follows feedback on what was missed, so it measures
the feedback more than the item.

Discrimination:
- point-biserial, corrected: the correlation between getting this item right (0/1) and the
  learner's score on the *other* items shown in the same attempt. Leaving the item out of
  the score stops it correlating with itself, which matters on short or drawn tests.
- upper-lower: the share right among the top 27% of attempts by score minus the share
  right among the bottom 27% (ties at the cut keep attempt order).

An item drawn into only some attempts is judged on the attempts that showed it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MIN_RESPONSES = 20  # fewer answers than this: figures shown, no flags (too noisy to judge)
TOO_EASY = 0.9
GROUP_SHARE = 0.27

FLAG_TOO_EASY = "too easy"
FLAG_NEGATIVE = "negative discrimination"
FLAG_UNUSED = "distractor nobody picks"
FLAG_KEY_LOSES = "key picked less than a distractor"


@dataclass(frozen=True)
class Item:
    """One question as the analysis needs it."""

    id: int
    key: str
    objective: str
    prompt: str
    choices: tuple[str, ...]  # choice ids in the bank's order
    correct: frozenset[str]


@dataclass(frozen=True)
class Answers:
    """One attempt: the items it showed and the choices picked for each (by item id)."""

    shown: tuple[int, ...]
    picked: dict[int, frozenset[str]]


@dataclass
class ItemResult:
    item: Item
    responses: int = 0
    correct: int = 0
    difficulty: float | None = None  # share correct
    point_biserial: float | None = None
    upper_lower: float | None = None
    choice_counts: dict[str, int] = field(default_factory=dict)
    blank: int = 0  # shown, nothing picked
    flags: list[str] = field(default_factory=list)


@dataclass
class ObjectiveResult:
    objective: str
    items: int
    responses: int
    correct: int

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.responses if self.responses else None


def is_right(item: Item, picked: frozenset[str]) -> bool:
    """All-or-nothing, as the post-test grades: exactly the right choices."""
    return picked == item.correct


def analyse(
    items: list[Item], attempts: list[Answers], min_responses: int = MIN_RESPONSES
) -> list[ItemResult]:
    """One result per item, in the order given."""
    by_id = {item.id: item for item in items}
    scored = [_scores(attempt, by_id) for attempt in attempts]
    return [_item_result(item, attempts, scored, min_responses) for item in items]


def _scores(attempt: Answers, by_id: dict[int, Item]) -> tuple[dict[int, int], int]:
    """(item id -> 1/0 for each shown item we know, how many of those were right)."""
    marks = {
        item_id: int(is_right(by_id[item_id], attempt.picked.get(item_id, frozenset())))
        for item_id in attempt.shown
        if item_id in by_id
    }
    return marks, sum(marks.values())


def _item_result(item: Item, attempts, scored, min_responses: int) -> ItemResult:
    result = ItemResult(item, choice_counts={choice: 0 for choice in item.choices})
    marks, rest, totals = [], [], []
    for attempt, (item_marks, right) in zip(attempts, scored, strict=True):
        if item.id not in item_marks:
            continue
        mark = item_marks[item.id]
        others = len(item_marks) - 1
        marks.append(mark)
        rest.append((right - mark) / others if others else 0.0)
        totals.append(right / len(item_marks))
        picked = attempt.picked.get(item.id, frozenset())
        result.blank += not picked
        for choice in picked:
            result.choice_counts[choice] = result.choice_counts.get(choice, 0) + 1
    result.responses, result.correct = len(marks), sum(marks)
    if marks:
        result.difficulty = result.correct / result.responses
        result.point_biserial = correlation(marks, rest)
        result.upper_lower = upper_lower(marks, totals)
    if result.responses >= min_responses:
        result.flags = flags(result)
    return result


def correlation(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r; None when either side does not vary (everyone right, say)."""
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    var_x = sum((x - mean_x) ** 2 for x in xs)
    var_y = sum((y - mean_y) ** 2 for y in ys)
    if var_x == 0 or var_y == 0:
        return None
    return cov / math.sqrt(var_x * var_y)


def upper_lower(marks: list[int], totals: list[float]) -> float | None:
    """Share right in the top 27% by score minus share right in the bottom 27%."""
    size = round(GROUP_SHARE * len(marks))
    if size == 0:
        return None
    order = sorted(range(len(marks)), key=lambda i: totals[i])  # stable: ties keep order
    lower = order[:size]
    upper = sorted(range(len(marks)), key=lambda i: -totals[i])[:size]
    return sum(marks[i] for i in upper) / size - sum(marks[i] for i in lower) / size


def flags(result: ItemResult) -> list[str]:
    """What an instructor should look at, plainly named (the distractor is named too)."""
    found = []
    item = result.item
    if result.difficulty is not None and result.difficulty > TOO_EASY:
        found.append(FLAG_TOO_EASY)
    if result.point_biserial is not None and result.point_biserial < 0:
        found.append(FLAG_NEGATIVE)
    distractors = [c for c in item.choices if c not in item.correct]
    found += [f"{FLAG_UNUSED}: {c}" for c in distractors if result.choice_counts.get(c, 0) == 0]
    if distractors and min(result.choice_counts.get(c, 0) for c in item.correct) < max(
        result.choice_counts.get(c, 0) for c in distractors
    ):
        found.append(FLAG_KEY_LOSES)
    return found


def by_objective(results: list[ItemResult]) -> list[ObjectiveResult]:
    """Items grouped by the objective they test, in first-seen order."""
    grouped: dict[str, ObjectiveResult] = {}
    for result in results:
        name = result.item.objective or "(no objective)"
        group = grouped.setdefault(name, ObjectiveResult(name, 0, 0, 0))
        group.items += 1
        group.responses += result.responses
        group.correct += result.correct
    return list(grouped.values())


def flag_counts(results: list[ItemResult]) -> dict[str, int]:
    """How many items carry each kind of flag (a distractor flag counts its item once)."""
    counts = {FLAG_TOO_EASY: 0, FLAG_NEGATIVE: 0, FLAG_UNUSED: 0, FLAG_KEY_LOSES: 0}
    for result in results:
        for kind in {flag.split(":")[0] for flag in result.flags}:
            counts[kind] += 1
    return counts
