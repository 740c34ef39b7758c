"""Turn timed narration sentences into WebVTT cues that are comfortable to read.

A cue holds at most two lines of about 42 characters (the usual caption guideline), so long
sentences are split into balanced pieces, each timed by its share of the sentence's characters.
"""

from __future__ import annotations

import math
import textwrap

CUE_CHARS = 84
LINE_CHARS = 42
SOFT_BREAKS = (",", ";", ":")


def split_sentence(sentence: str) -> list[str]:
    """The fewest pieces of at most CUE_CHARS, of similar length, cut after commas when near."""
    words = sentence.split()
    if len(sentence) <= CUE_CHARS or len(words) < 2:
        return [sentence]
    for count in range(math.ceil(len(sentence) / CUE_CHARS), len(words) + 1):
        pieces = _cut(words, count)
        if all(len(piece) <= CUE_CHARS for piece in pieces):
            return pieces
    return words


def _cut(words: list[str], count: int) -> list[str]:
    """Cut words into `count` runs near equal shares; a soft break is worth 20% of a share."""
    ends = [len(" ".join(words[:i])) for i in range(len(words) + 1)]
    share = ends[-1] / count
    cuts = [0]
    for k in range(1, count):
        options = range(cuts[-1] + 1, len(words) - (count - k) + 1)
        cuts.append(
            min(
                options,
                key=lambda i: (
                    abs(ends[i] - share * k)
                    - (0.2 * share if words[i - 1].endswith(SOFT_BREAKS) else 0)
                ),
            )
        )
    cuts.append(len(words))
    return [" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]


def cue_lines(piece: str) -> list[str]:
    """One line if it fits, else two lines of similar length (no ragged third line)."""
    if len(piece) <= LINE_CHARS:
        return [piece]
    for width in range(math.ceil(len(piece) / 2), len(piece) + 1):
        lines = textwrap.wrap(piece, width, break_on_hyphens=False)
        if len(lines) <= 2:
            return lines
    return [piece]


def timestamp(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def build_vtt(sentences: list[tuple[float, float, str]], end_limit: float) -> str:
    """WebVTT text for (start, end, sentence) in seconds; no cue ends after end_limit."""
    blocks = ["WEBVTT", ""]
    for start, end, sentence in sentences:
        end = min(end, end_limit)
        pieces = split_sentence(sentence)
        total_chars = sum(len(p) for p in pieces)
        at = start
        for number, piece in enumerate(pieces, start=1):
            until = end if number == len(pieces) else at + (end - start) * len(piece) / total_chars
            if until > at:
                blocks += [f"{timestamp(at)} --> {timestamp(until)}", *cue_lines(piece), ""]
            at = until
    return "\n".join(blocks)
