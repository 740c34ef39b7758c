"""WebVTT: parse captions into cues (with line numbers for errors) and build transcripts."""

from __future__ import annotations

import re
from dataclasses import dataclass

TIMING = re.compile(
    r"^(?P<start>(?:\d{2,}:)?\d{2}:\d{2}\.\d{3})\s+-->\s+(?P<end>(?:\d{2,}:)?\d{2}:\d{2}\.\d{3})"
    r"(?:\s+.*)?$"
)
TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


class CaptionError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def parse_timestamp(value: str) -> float:
    parts = value.split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2])
    hours = int(parts[-3]) if len(parts) == 3 else 0
    if minutes > 59 or seconds >= 60:
        raise ValueError(value)
    return hours * 3600 + minutes * 60 + seconds


def parse_vtt(text: str) -> list[Cue]:
    """Parse a WebVTT file; raise CaptionError naming the first bad line."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not (lines[0] == "WEBVTT" or lines[0].startswith(("WEBVTT ", "WEBVTT\t"))):
        raise CaptionError(1, 'a WebVTT file must start with "WEBVTT"')
    cues: list[Cue] = []
    index = 1
    while index < len(lines):
        line = lines[index]
        if not line.strip() or line.startswith(("NOTE", "STYLE", "REGION")):
            index = _skip_block(lines, index) if line.strip() else index + 1
            continue
        if "-->" not in line and index + 1 < len(lines) and "-->" in lines[index + 1]:
            index += 1  # a cue identifier line
            line = lines[index]
        cue, index = _parse_cue(lines, index, cues[-1] if cues else None)
        cues.append(cue)
    return cues


def _skip_block(lines: list[str], index: int) -> int:
    while index < len(lines) and lines[index].strip():
        index += 1
    return index + 1


def _parse_cue(lines: list[str], index: int, previous: Cue | None) -> tuple[Cue, int]:
    match = TIMING.match(lines[index].strip())
    if not match:
        raise CaptionError(
            index + 1, f"expected a cue timing like 00:00.000 --> 00:04.000, got {lines[index]!r}"
        )
    try:
        start, end = parse_timestamp(match["start"]), parse_timestamp(match["end"])
    except ValueError as error:
        raise CaptionError(index + 1, f"invalid timestamp {error}") from error
    if end <= start:
        raise CaptionError(index + 1, "a cue must end after it starts")
    if previous is not None and start < previous.start:
        raise CaptionError(index + 1, "cues must be in order of start time")
    text_lines = []
    index += 1
    while index < len(lines) and lines[index].strip():
        text_lines.append(lines[index])
        index += 1
    if not text_lines:
        raise CaptionError(index, "a cue has a timing but no text")
    return Cue(start, end, TAG.sub("", " ".join(text_lines)).strip()), index + 1
