"""Read and check posttest.yml and evaluation.yml of a course folder (format: content/CE-FORMAT.md).

Called by course.importer.read_course.load_course; every problem names its file and line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from course.assessment.models import REPORTED_MINUTES_FIELD

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
FEEDBACK_MODES = ("none", "score", "missed", "all")
AFTER_FAILURE = ("locked", "rewatch")
ITEM_TYPES = ("rating", "text")
DEFAULT_SCALE = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
# Test-wiseness: in a sound bank the keyed option is the longest about as often as chance
# would make it (1 in 4 for four choices). Above this share, length gives the answer away.
MAX_LONGEST_KEY_SHARE = 0.35
DEFAULT_PASS_MARK = 0.8
# Form fields of the evaluation page that an item id may not take.
RESERVED_ITEM_IDS = ("csrf_token", REPORTED_MINUTES_FIELD)


@dataclass
class AssessmentSpec:
    settings: dict[str, Any] = field(default_factory=dict)
    questions: list[dict[str, Any]] = field(default_factory=list)
    evaluation: list[dict[str, Any]] = field(default_factory=list)
    length_cue: LengthCue | None = None

    def draw_summary(self) -> str:
        """How an attempt draws its items, for `flask course validate`."""
        per_module, draw = self.settings.get("per_module"), self.settings.get("draw")
        if per_module:
            counts: dict[str, int] = {}
            for question in self.questions:
                counts[question["module_key"]] = counts.get(question["module_key"], 0) + 1
            asked = sum(min(per_module, n) for n in counts.values())
            return (
                f"{per_module} per module from {len(counts)} module(s), {asked} questions per "
                f"attempt (module banks: {', '.join(str(n) for n in counts.values())})"
            )
        if draw:
            return f"{draw} drawn from a bank of {len(self.questions)}"
        return f"all {len(self.questions)} questions in every attempt"


@dataclass(frozen=True)
class LengthCue:
    """How much option length alone gives away in a question bank."""

    questions: int
    longest_keyed: int  # questions whose key is the longest option (or keys the longest set)
    pick_longest_score: float  # expected score, 0-1, of always choosing the longest option(s)

    @property
    def longest_share(self) -> float:
        return self.longest_keyed / self.questions if self.questions else 0.0

    def summary(self, pass_mark: float) -> str:
        return (
            f"the keyed option is the longest in {self.longest_keyed} of {self.questions} "
            f"questions ({self.longest_share:.0%}); always picking the longest option scores "
            f"{self.pick_longest_score:.0%} against a pass mark of {pass_mark:.0%}"
        )


def length_cue(questions: list[dict[str, Any]]) -> LengthCue:
    """Score the "pick the longest" strategy on a bank.

    For an item with k keys the strategy picks the k longest options (it is told k, which
    only favours it). Ties are shared: among t options tied at the cut, it guesses. An item
    counts as "longest keyed" when no other option is longer than the shortest key.
    """
    keyed, score = 0, 0.0
    for question in questions:
        lengths = {c["id"]: len(" ".join(c["text"].split())) for c in question["choices"]}
        keys = [k for k in question["correct"] if k in lengths]
        if not keys or len(keys) == len(lengths):
            continue
        shortest_key = min(lengths[k] for k in keys)
        others = [length for cid, length in lengths.items() if cid not in keys]
        if max(others) > shortest_key:
            continue
        keyed += 1
        # Options longer than the shortest key are all keys, so the strategy picks them; the
        # rest of its picks are a guess among the options tied at the shortest key's length.
        tied = sum(1 for length in lengths.values() if length == shortest_key)
        tied_keys = sum(1 for k in keys if lengths[k] == shortest_key)
        score += 1 / math.comb(tied, tied_keys)
    return LengthCue(len(questions), keyed, score / len(questions) if questions else 0.0)


def read_assessment(
    reader, root, has_ce: bool, lesson_modules: dict[str, str] | None = None
) -> AssessmentSpec | None:
    """The course's post-test and evaluation, or None when it has neither file.

    lesson_modules maps each lesson slug of course.yml to its module slug: a question's
    `lesson` must name one, and `per_module` draws are counted against it.
    """
    posttest_path, evaluation_path = root / "posttest.yml", root / "evaluation.yml"
    if not posttest_path.exists() and not evaluation_path.exists():
        if has_ce:
            reader.problem(
                reader.rel(root / "course.yml"),
                None,
                "a course with a ce: section needs posttest.yml and evaluation.yml",
            )
        return None
    spec = AssessmentSpec()
    doc = reader.read_yaml(posttest_path)
    if doc is not None:
        _read_posttest(reader, doc, spec, lesson_modules or {})
    doc = reader.read_yaml(evaluation_path)
    if doc is not None:
        spec.evaluation = _read_evaluation(reader, doc)
    return spec


def _read_posttest(reader, doc, spec: AssessmentSpec, lesson_modules: dict[str, str]) -> None:
    data = doc.data if isinstance(doc.data, dict) else {}
    if not isinstance(doc.data, dict):
        reader.problem(
            doc.file, 1, "posttest.yml must be a mapping with 'settings' and 'questions'"
        )
        return
    spec.settings = _read_settings(reader, doc, data.get("settings") or {})
    seen: set[str] = set()
    for index, item in enumerate(data.get("questions") or []):
        question = _read_question(reader, doc, index, item, seen)
        if question is not None:
            _place_in_module(reader, doc, index, question, lesson_modules)
            spec.questions.append(question)
    if not spec.questions:
        reader.problem(
            doc.file, doc.line("questions") or 1, "the post-test needs at least one question"
        )
    _check_length_cue(reader, doc, spec)
    draw = spec.settings.get("draw")
    if draw and draw > len(spec.questions):
        reader.problem(
            doc.file,
            doc.line("settings", "draw"),
            f"draw is {draw} but the bank has only {len(spec.questions)} question(s)",
        )
    if spec.settings.get("per_module"):
        _check_per_module(reader, doc, spec, lesson_modules)


def _place_in_module(reader, doc, index: int, question: dict, lesson_modules: dict) -> None:
    """Record the question's lesson and module; a lesson not in course.yml is a problem."""
    lesson = question.pop("lesson")
    question["lesson_key"], question["module_key"] = "", ""
    if not lesson:
        return
    if lesson not in lesson_modules:
        reader.problem(
            doc.file,
            doc.line("questions", index, "lesson"),
            f"question '{question['key']}': lesson '{lesson}' is not a lesson of course.yml",
        )
        return
    question["lesson_key"], question["module_key"] = lesson, lesson_modules[lesson]


def _check_per_module(reader, doc, spec: AssessmentSpec, lesson_modules: dict) -> None:
    """per_module: N draws N items from every module, so every item names its lesson and
    every module of course.yml holds at least N items."""
    per_module = spec.settings["per_module"]
    line = doc.line("settings", "per_module")
    if spec.settings.get("draw"):
        reader.problem(doc.file, line, "use draw or per_module, not both")
    unplaced = [q["key"] for q in spec.questions if not q["module_key"]]
    if unplaced:
        reader.problem(
            doc.file,
            line,
            f"per_module draws by module, so every question needs a 'lesson'; missing in "
            f"{', '.join(unplaced[:5])}{' ...' if len(unplaced) > 5 else ''}",
        )
    counts = {module: 0 for module in dict.fromkeys(lesson_modules.values())}
    for question in spec.questions:
        if question["module_key"]:
            counts[question["module_key"]] += 1
    for module, count in counts.items():
        if count < per_module:
            reader.problem(
                doc.file,
                line,
                f"per_module is {per_module} but module '{module}' has only {count} question(s)",
            )


def _check_length_cue(reader, doc, spec: AssessmentSpec) -> None:
    """Fail a bank that can be passed, or largely answered, by choosing the longest option."""
    if not spec.questions:
        return
    spec.length_cue = cue = length_cue(spec.questions)
    pass_mark = spec.settings.get("pass_mark", DEFAULT_PASS_MARK)
    if cue.longest_share > MAX_LONGEST_KEY_SHARE or cue.pick_longest_score >= pass_mark:
        reader.problem(
            doc.file,
            doc.line("questions") or 1,
            f"option length gives the answers away: {cue.summary(pass_mark)}; at most "
            f"{MAX_LONGEST_KEY_SHARE:.0%} of keys may be the longest option and that "
            "strategy must not pass (make options parallel in length)",
        )


def _read_settings(reader, doc, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        reader.problem(doc.file, doc.line("settings"), "settings must be a mapping")
        return {}
    checks = {
        "pass_mark": (
            lambda v: _number(v) and 0 < v <= 100,
            "pass_mark must be a percentage, 1 to 100",
        ),
        "attempts": (
            lambda v: _integer(v) and 1 <= v <= 20,
            "attempts must be a whole number from 1 to 20",
        ),
        "draw": (
            lambda v: v is None or (_integer(v) and v >= 1),
            "draw must be a whole number of questions",
        ),
        "per_module": (
            lambda v: v is None or (_integer(v) and 1 <= v <= 100),
            "per_module must be a whole number of questions, 1 to 100",
        ),
        "item_feedback_after_first_failure": (
            lambda v: isinstance(v, bool),
            "item_feedback_after_first_failure must be true or false",
        ),
        "shuffle": (lambda v: isinstance(v, bool), "shuffle must be true or false"),
        "show_feedback": (
            lambda v: v in FEEDBACK_MODES,
            f"show_feedback must be one of {', '.join(FEEDBACK_MODES)}",
        ),
        "after_last_failure": (
            lambda v: v in AFTER_FAILURE,
            f"after_last_failure must be one of {', '.join(AFTER_FAILURE)}",
        ),
    }
    settings = {}
    for name, value in raw.items():
        if name not in checks:
            reader.problem(
                doc.file, doc.line("settings", name), f"unknown post-test setting '{name}'"
            )
        elif not checks[name][0](value):
            reader.problem(doc.file, doc.line("settings", name), checks[name][1])
        else:
            settings[name] = value
    if "pass_mark" in settings:
        settings["pass_mark"] = settings["pass_mark"] / 100
    return settings


def _read_question(reader, doc, index: int, item: Any, seen: set[str]) -> dict | None:
    line = doc.line("questions", index)
    if not isinstance(item, dict):
        reader.problem(doc.file, line, "each question needs an id, a prompt, choices and correct")
        return None
    key = str(item.get("id") or "")
    if not KEY.match(key):
        reader.problem(
            doc.file,
            doc.line("questions", index, "id") or line,
            "question id must be letters, digits, '-', '_' or '.'",
        )
        return None
    if key in seen:
        reader.problem(
            doc.file, doc.line("questions", index, "id"), f"duplicate question id '{key}'"
        )
        return None
    seen.add(key)
    if not str(item.get("prompt") or "").strip():
        reader.problem(doc.file, line, f"question '{key}' needs a prompt")
    choices = _read_choices(reader, doc, index, key, item.get("choices"))
    correct = item.get("correct")
    correct = [
        str(c)
        for c in (
            correct if isinstance(correct, list) else [correct] if correct is not None else []
        )
    ]
    choice_ids = {c["id"] for c in choices}
    if not correct:
        reader.problem(
            doc.file,
            doc.line("questions", index, "correct") or line,
            f"question '{key}' needs 'correct': the right choice id(s)",
        )
    for choice_id in correct:
        if choice_id not in choice_ids:
            reader.problem(
                doc.file,
                doc.line("questions", index, "correct"),
                f"question '{key}': correct choice '{choice_id}' is not one of its choices",
            )
    return {
        "key": key,
        "objective": str(item.get("objective") or ""),
        "prompt": str(item.get("prompt") or ""),
        "choices": choices,
        "correct": sorted(set(correct)),
        "feedback": str(item.get("feedback") or ""),
        "lesson": str(item.get("lesson") or ""),
    }


def _read_choices(reader, doc, index: int, key: str, raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list) or len(raw) < 2:
        reader.problem(
            doc.file,
            doc.line("questions", index, "choices") or doc.line("questions", index),
            f"question '{key}' needs at least two choices",
        )
        return []
    choices, ids = [], set()
    for choice_index, choice in enumerate(raw):
        line = doc.line("questions", index, "choices", choice_index)
        if (
            not isinstance(choice, dict)
            or not choice.get("id")
            or not str(choice.get("text") or "").strip()
        ):
            reader.problem(
                doc.file, line, f"question '{key}': each choice needs an 'id' and a 'text'"
            )
            continue
        choice_id = str(choice["id"])
        if choice_id in ids:
            reader.problem(doc.file, line, f"question '{key}': duplicate choice id '{choice_id}'")
            continue
        ids.add(choice_id)
        choices.append({"id": choice_id, "text": str(choice["text"])})
    return choices


def _read_evaluation(reader, doc) -> list[dict[str, Any]]:
    data = doc.data if isinstance(doc.data, dict) else {}
    items, seen = [], set()
    for index, item in enumerate(data.get("items") or []):
        line = doc.line("items", index)
        if not isinstance(item, dict) or not KEY.match(str(item.get("id") or "")):
            reader.problem(
                doc.file, line, "each evaluation item needs an 'id', a 'type' and a 'prompt'"
            )
            continue
        key = str(item["id"])
        if key in RESERVED_ITEM_IDS:
            reader.problem(doc.file, doc.line("items", index, "id"), f"'{key}' is reserved")
            continue
        if key in seen:
            reader.problem(
                doc.file, doc.line("items", index, "id"), f"duplicate evaluation item id '{key}'"
            )
            continue
        seen.add(key)
        kind = item.get("type", "rating")
        if kind not in ITEM_TYPES:
            reader.problem(
                doc.file,
                doc.line("items", index, "type"),
                f"type must be one of {', '.join(ITEM_TYPES)}",
            )
            continue
        if not str(item.get("prompt") or "").strip():
            reader.problem(doc.file, line, f"evaluation item '{key}' needs a prompt")
        scale = item.get("scale") or DEFAULT_SCALE
        if kind == "rating" and (not isinstance(scale, list) or len(scale) < 2):
            reader.problem(
                doc.file, doc.line("items", index, "scale"), "scale must list at least two labels"
            )
            scale = DEFAULT_SCALE
        items.append(
            {
                "id": key,
                "type": kind,
                "prompt": str(item.get("prompt") or ""),
                "required": bool(item.get("required", kind == "rating")),
                **({"scale": [str(s) for s in scale]} if kind == "rating" else {}),
            }
        )
    if not items:
        reader.problem(doc.file, doc.line("items") or 1, "the evaluation needs at least one item")
    return items


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
