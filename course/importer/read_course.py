"""Read a course folder (YAML + Markdown + media) and report every problem with file and line.

The format is documented in content/README.md. Nothing here touches the database:
``load_course`` returns a CourseSpec and a list of problems; the importer writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from campus.errors import UserError
from course import ce_rules
from course.captions import CaptionError, parse_vtt
from course.importer.read_assessment import read_assessment
from course.importer.read_forum import forum_categories
from course.media import media_duration, video_type
from course.progress.rules import DEFAULT_CREDIT_RATE, MAX_CREDIT_RATE

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DURATION_TOLERANCE_SECONDS = 1.0
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.DOTALL)
WORD = re.compile(r"[^\s]+")  # captions and narration compare word for word, punctuation too


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass
class LessonSpec:
    slug: str
    title: str
    body_md: str
    summary: str = ""
    objectives: list[str] = field(default_factory=list)
    discussion_prompt: str = ""
    video: str = ""
    captions: str = ""
    captions_lang: str = "en"
    duration: float = 0.0
    resources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ModuleSpec:
    slug: str
    title: str
    summary: str
    lessons: list[LessonSpec]


@dataclass
class CourseSpec:
    root: Path
    data: dict[str, Any]
    modules: list[ModuleSpec]
    assessment: Any = (
        None  # course.importer.read_assessment.AssessmentSpec: post-test and evaluation
    )
    forum_categories: list[dict] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.data["slug"]


class YamlDoc:
    """Parsed YAML plus the line of every key, so problems can point at it."""

    def __init__(self, text: str, file: str, line_offset: int = 0):
        self.file = file
        self.lines: dict[tuple, int] = {}
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        self.data = yaml.safe_load(text) if node is not None else {}
        if node is not None:
            self._index(node, (), line_offset)

    def _index(self, node, path: tuple, offset: int) -> None:
        self.lines[path] = node.start_mark.line + 1 + offset
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self.lines[(*path, key.value)] = key.start_mark.line + 1 + offset
                self._index(value, (*path, key.value), offset)
                self.lines[(*path, key.value)] = key.start_mark.line + 1 + offset
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, (*path, i), offset)

    def line(self, *path) -> int | None:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)


class Reader:
    """Collects problems while reading one course folder."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def problem(self, file: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def read_yaml(self, path: Path) -> YamlDoc | None:
        try:
            return YamlDoc(path.read_text(encoding="utf-8"), self.rel(path))
        except FileNotFoundError:
            self.problem(self.rel(path), None, "file is missing")
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            self.problem(self.rel(path), mark.line + 1 if mark else None, f"invalid YAML: {error}")
        return None


def load_course(root: Path) -> tuple[CourseSpec | None, list[Problem]]:
    """Read content/<slug>/ fully; return the spec (None if unusable) and every problem."""
    reader = Reader(root)
    doc = reader.read_yaml(root / "course.yml")
    if doc is None:
        return None, reader.problems
    if not isinstance(doc.data, dict):
        reader.problem(doc.file, 1, "course.yml must be a mapping of fields")
        return None, reader.problems
    _check_course_fields(reader, doc, root)
    modules = _read_modules(reader, doc)
    spec = CourseSpec(root=root, data=doc.data, modules=modules)
    for line_path, message in ce_rules.check_ce_settings(doc.data.get("ce")):
        reader.problem(doc.file, doc.line(*line_path), message)
    lesson_modules = {lesson.slug: m.slug for m in modules for lesson in m.lessons}
    spec.assessment = read_assessment(
        reader, root, has_ce=doc.data.get("ce") is not None, lesson_modules=lesson_modules
    )
    spec.forum_categories = _read_forum(reader, doc, modules)
    return spec, reader.problems


def _read_forum(reader: Reader, doc: YamlDoc, modules: list[ModuleSpec]) -> list[dict]:
    """The forum's categories: the optional forum: section, or the defaults."""
    try:
        return forum_categories(doc.data.get("forum"), modules)
    except UserError as error:
        reader.problem(doc.file, doc.line("forum"), error.message)
        return []


def _check_course_fields(reader: Reader, doc: YamlDoc, root: Path) -> None:
    data = doc.data
    for key in ("slug", "title", "summary"):
        if not isinstance(data.get(key), str) or not data.get(key).strip():
            reader.problem(doc.file, doc.line(key), f"'{key}' is required and must be text")
    slug = data.get("slug")
    if isinstance(slug, str) and slug != root.name:
        reader.problem(
            doc.file, doc.line("slug"), f"slug '{slug}' must match the folder name '{root.name}'"
        )
    if isinstance(slug, str) and not SLUG.match(slug):
        reader.problem(doc.file, doc.line("slug"), "slug must be lowercase words joined by hyphens")
    for key, kind, label in (
        ("settings", dict, "a mapping"),
        ("instructor", dict, "a mapping"),
        ("objectives", list, "a list of text"),
        ("description", str, "text"),
    ):
        if data.get(key) is not None and not isinstance(data[key], kind):
            reader.problem(doc.file, doc.line(key), f"'{key}' must be {label}")
    _check_persona(reader, doc)
    if data.get("enrollment", "open") not in ("open", "closed"):
        reader.problem(doc.file, doc.line("enrollment"), "enrollment must be 'open' or 'closed'")
    minutes = data.get("activity_minutes", 0)
    if not _is_number(minutes) or minutes < 0 or int(minutes) != minutes:
        reader.problem(
            doc.file,
            doc.line("activity_minutes"),
            "activity_minutes must be a whole number of minutes",
        )
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    # Only values the file sets are checked: an absent one takes Course.setting's default.
    threshold = settings.get("completion_threshold")
    if threshold is not None and (not _is_number(threshold) or not 0 < threshold <= 1):
        reader.problem(
            doc.file,
            doc.line("settings", "completion_threshold"),
            "completion_threshold must be a fraction between 0 and 1",
        )
    rate = settings.get("max_playback_rate")
    if rate is not None and (not _is_number(rate) or not 1 <= rate <= 4):
        reader.problem(
            doc.file,
            doc.line("settings", "max_playback_rate"),
            "max_playback_rate must be between 1 and 4",
        )
    credit = settings.get("credit_rate", DEFAULT_CREDIT_RATE)
    if not _is_number(credit) or not DEFAULT_CREDIT_RATE <= credit <= MAX_CREDIT_RATE:
        reader.problem(
            doc.file,
            doc.line("settings", "credit_rate"),
            f"credit_rate must be between {DEFAULT_CREDIT_RATE:g} and {MAX_CREDIT_RATE:g}: "
            "playback above it earns CE time no faster, and no course may credit more",
        )
    cap = settings.get("daily_cap_hours")
    if cap is not None and (not _is_number(cap) or not 0 < cap <= 24):
        reader.problem(
            doc.file,
            doc.line("settings", "daily_cap_hours"),
            "daily_cap_hours must be a number of hours above 0 and at most 24 (or left out)",
        )
    if not isinstance(data.get("modules"), list) or not data.get("modules"):
        reader.problem(doc.file, doc.line("modules"), "'modules' must list at least one module")


def _check_persona(reader: Reader, doc: YamlDoc) -> None:
    """A fictional instructor persona may not carry credentials, here or on the certificate.

    Credentials such as OTR/L or OTD are earned by a real person; printing them beside a
    persona would misstate who stands behind the course.
    """
    instructor = doc.data.get("instructor")
    if not isinstance(instructor, dict) or "fictional" not in instructor:
        return
    if not isinstance(instructor["fictional"], bool):
        reader.problem(
            doc.file,
            doc.line("instructor", "fictional"),
            "instructor.fictional must be true or false",
        )
        return
    if not instructor["fictional"]:
        return
    name = str(instructor.get("name") or "").strip()
    if str(instructor.get("credentials") or "").strip():
        reader.problem(
            doc.file,
            doc.line("instructor", "credentials"),
            f"instructor '{name}' is marked fictional, so it may not carry credentials",
        )
    ce = doc.data.get("ce") if isinstance(doc.data.get("ce"), dict) else {}
    listed = ce.get("instructors") if isinstance(ce.get("instructors"), list) else []
    for index, item in enumerate(listed):
        if not isinstance(item, dict) or not name:
            continue
        if name in str(item.get("name") or "") and str(item.get("credentials") or "").strip():
            reader.problem(
                doc.file,
                doc.line("ce", "instructors", index, "credentials"),
                f"ce.instructors lists the fictional persona '{name}' with credentials",
            )


def _read_modules(reader: Reader, doc: YamlDoc) -> list[ModuleSpec]:
    modules: list[ModuleSpec] = []
    module_slugs: set[str] = set()
    lesson_slugs: set[str] = set()
    for index, item in enumerate(doc.data.get("modules") or []):
        line = doc.line("modules", index)
        if not isinstance(item, dict) or not isinstance(item.get("slug"), str):
            reader.problem(doc.file, line, "each module needs a 'slug', a 'title' and 'lessons'")
            continue
        slug = item["slug"]
        if slug in module_slugs:
            reader.problem(
                doc.file, doc.line("modules", index, "slug"), f"duplicate module slug '{slug}'"
            )
        module_slugs.add(slug)
        if not SLUG.match(slug):
            reader.problem(
                doc.file,
                doc.line("modules", index, "slug"),
                "module slug must be lowercase words joined by hyphens",
            )
        if not isinstance(item.get("title"), str) or not item["title"].strip():
            reader.problem(doc.file, line, f"module '{slug}' needs a 'title' (text)")
        listed = item.get("lessons") or []
        if not isinstance(listed, list):
            reader.problem(
                doc.file,
                doc.line("modules", index, "lessons"),
                "'lessons' must be a list of lesson slugs",
            )
            listed = []
        lessons = []
        for lesson_index, lesson_slug in enumerate(listed):
            lesson_line = doc.line("modules", index, "lessons", lesson_index)
            if not isinstance(lesson_slug, str):
                reader.problem(
                    doc.file, lesson_line, "each entry of 'lessons' must be a lesson slug (text)"
                )
                continue
            if lesson_slug in lesson_slugs:
                reader.problem(doc.file, lesson_line, f"duplicate lesson slug '{lesson_slug}'")
                continue
            lesson_slugs.add(lesson_slug)
            lesson = _read_lesson(reader, lesson_slug, doc.file, lesson_line)
            if lesson is not None:
                lessons.append(lesson)
        if not item.get("lessons"):
            reader.problem(doc.file, line, f"module '{slug}' lists no lessons")
        modules.append(
            ModuleSpec(
                slug, str(item.get("title") or slug), str(item.get("summary") or ""), lessons
            )
        )
    return modules


def _read_lesson(
    reader: Reader, slug: str, listed_in: str, listed_line: int | None
) -> LessonSpec | None:
    if not SLUG.match(slug):
        reader.problem(
            listed_in,
            listed_line,
            f"lesson slug '{slug}' must be lowercase words joined by hyphens",
        )
        return None
    path = reader.root / "lessons" / f"{slug}.md"
    file = reader.rel(path)
    if not path.is_file():
        reader.problem(listed_in, listed_line, f"lesson '{slug}' is listed but {file} is missing")
        return None
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        reader.problem(
            file, 1, "a lesson file must start with YAML front matter between '---' lines"
        )
        return None
    try:
        doc = YamlDoc(match.group(1), file, line_offset=1)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reader.problem(file, mark.line + 2 if mark else 1, f"invalid YAML front matter: {error}")
        return None
    if not isinstance(doc.data, dict):
        reader.problem(file, 2, "the front matter must be a mapping of fields")
        return None
    meta = doc.data
    for key, kind, label in (
        ("objectives", list, "a list of text"),
        ("resources", list, "a list"),
        ("title", str, "text"),
        ("summary", str, "text"),
        ("discussion_prompt", str, "text"),
    ):
        if meta.get(key) is not None and not isinstance(meta[key], kind):
            reader.problem(file, doc.line(key), f"'{key}' must be {label}")
            meta[key] = None
    lesson = LessonSpec(
        slug=slug,
        title=str(meta.get("title") or ""),
        body_md=text[match.end() :],
        summary=str(meta.get("summary") or ""),
        objectives=[str(o) for o in meta.get("objectives") or []],
        discussion_prompt=str(meta.get("discussion_prompt") or ""),
        video=str(meta.get("video") or ""),
        captions=str(meta.get("captions") or ""),
        captions_lang=str(meta.get("captions_lang") or "en"),
    )
    if not lesson.title:
        reader.problem(file, doc.line("title") or 1, "'title' is required")
    _check_media(reader, doc, meta, lesson)
    lesson.resources = _check_resources(reader, doc, meta)
    return lesson


def _check_media(reader: Reader, doc: YamlDoc, meta: dict, lesson: LessonSpec) -> None:
    if not lesson.video:
        reader.problem(
            doc.file, doc.line("video") or 1, "'video' is required: the lesson's media file"
        )
    else:
        video_path = reader.root / lesson.video
        if video_type(lesson.video) is None:
            reader.problem(doc.file, doc.line("video"), "video must be .mp4, .m4v or .webm")
        elif not _inside(reader.root, video_path) or not video_path.is_file():
            reader.problem(doc.file, doc.line("video"), f"video file {lesson.video} is missing")
        else:
            lesson.duration = _check_duration(reader, doc, meta, video_path)
    if not lesson.captions:
        reader.problem(
            doc.file,
            doc.line("captions") or 1,
            "'captions' is required: every video needs WebVTT captions",
        )
        return
    captions_path = reader.root / lesson.captions
    if not _inside(reader.root, captions_path) or not captions_path.is_file():
        reader.problem(
            doc.file, doc.line("captions"), f"captions file {lesson.captions} is missing"
        )
        return
    try:
        cues = parse_vtt(captions_path.read_text(encoding="utf-8"))
    except CaptionError as error:
        reader.problem(
            reader.rel(captions_path), error.line, f"captions do not parse: {error.message}"
        )
        return
    except UnicodeDecodeError:
        reader.problem(reader.rel(captions_path), None, "captions must be UTF-8 text")
        return
    if cues:
        _check_captions_follow_narration(reader, lesson.slug, cues, captions_path)
    if not cues:
        reader.problem(reader.rel(captions_path), None, "captions have no cues")
    elif lesson.duration and cues[-1].end > lesson.duration + DURATION_TOLERANCE_SECONDS:
        reader.problem(
            reader.rel(captions_path),
            None,
            f"the last cue ends at {cues[-1].end:.1f}s, "
            f"after the video ends ({lesson.duration:.1f}s)",
        )


def _narration_words(path: Path) -> list[str] | None:
    """The words of a narration script (scripts/build_media.py's input), or None if unusable."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("slides"), list):
        return None
    spoken = []
    for slide in data["slides"]:
        narration = slide.get("narration") if isinstance(slide, dict) else None
        spoken += narration if isinstance(narration, list) else [str(narration or "")]
    return WORD.findall(" ".join(str(s) for s in spoken))


def _check_captions_follow_narration(reader: Reader, slug: str, cues, captions_path) -> None:
    """Captions made from a narration script must say exactly what the script says."""
    script = reader.root / "narration" / f"{slug}.yml"
    if not script.is_file():
        return  # a recorded video: its captions follow the recording
    expected = _narration_words(script)
    if expected is None:
        reader.problem(reader.rel(script), None, "narration script does not parse")
        return
    said = WORD.findall(" ".join(cue.text for cue in cues))
    if said == expected:
        return
    at = next(
        (i for i, pair in enumerate(zip(said, expected, strict=False)) if pair[0] != pair[1]),
        min(len(said), len(expected)),
    )
    heard = " ".join(said[at : at + 4]) or "(the end)"
    written = " ".join(expected[at : at + 4]) or "(the end)"
    reader.problem(
        reader.rel(captions_path),
        None,
        f"captions differ from {reader.rel(script)} at word {at + 1}: captions say "
        f"'{heard}', the script says '{written}' (rebuild with scripts/build_media.py)",
    )


def _check_duration(reader: Reader, doc: YamlDoc, meta: dict, video_path: Path) -> float:
    declared = meta.get("duration")
    measured = media_duration(video_path)
    if declared is None:
        hint = f" (the media measures {measured:.2f}s)" if measured is not None else ""
        reader.problem(
            doc.file, doc.line("video"), f"declare the video's 'duration' in seconds{hint}"
        )
        return 0.0
    if not _is_number(declared) or declared <= 0:
        reader.problem(
            doc.file, doc.line("duration"), "duration must be a positive number of seconds"
        )
        return 0.0
    if (
        measured is not None
        and declared is not None
        and abs(measured - declared) > DURATION_TOLERANCE_SECONDS
    ):
        reader.problem(
            doc.file,
            doc.line("duration"),
            f"declared duration {declared}s does not match the media ({measured:.2f}s)",
        )
    return round(float(measured if measured is not None else declared), 3)


def _is_number(value: Any) -> bool:
    """True for ints and floats, not for booleans (which YAML's true/false become)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_resources(reader: Reader, doc: YamlDoc, meta: dict) -> list[dict[str, Any]]:
    resources = []
    for index, item in enumerate(meta.get("resources") or []):
        line = doc.line("resources", index)
        if not isinstance(item, dict) or not item.get("file") or not item.get("title"):
            reader.problem(doc.file, line, "each resource needs a 'title' and a 'file'")
            continue
        path = reader.root / str(item["file"])
        if not _inside(reader.root, path) or not path.is_file():
            reader.problem(doc.file, line, f"resource file {item['file']} is missing")
            continue
        resources.append(
            {
                "title": str(item["title"]),
                "file": str(item["file"]),
                "name": path.name,
                "bytes": path.stat().st_size,
            }
        )
    return resources


def _inside(root: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())
