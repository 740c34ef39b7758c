"""Media facts: durations from ffprobe where present, else read from the MP4 header."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from functools import lru_cache
from pathlib import Path

VIDEO_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm"}
CONTAINER_BOXES = {b"moov", b"trak", b"mdia"}


def media_duration(path: Path) -> float | None:
    """Seconds of media in the file, or None when it cannot be measured here."""
    stat = path.stat()
    return _measured(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=1024)
def _measured(path_text: str, _size: int, _mtime: int) -> float | None:
    """Cached by size and modification time: re-imports need not re-probe unchanged files."""
    path = Path(path_text)
    if shutil.which("ffprobe"):
        measured = _ffprobe_duration(path)
        if measured is not None:
            return measured
    if path.suffix.lower() in (".mp4", ".m4v"):
        return _mp4_duration(path)
    return None


def _ffprobe_duration(path: Path) -> float | None:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if result.returncode != 0:
        return None
    try:
        return float(json.loads(result.stdout)["format"]["duration"])
    except (KeyError, ValueError, TypeError):
        return None


def _mp4_duration(path: Path) -> float | None:
    """Read the movie header (mvhd) box: timescale and duration, no decoder needed."""
    try:
        with path.open("rb") as handle:
            return _find_mvhd(handle, path.stat().st_size)
    except (OSError, struct.error):
        return None


def _find_mvhd(handle, end: int) -> float | None:
    while handle.tell() + 8 <= end:
        start = handle.tell()
        size, kind = struct.unpack(">I4s", handle.read(8))
        header = 8
        if size == 1:
            size = struct.unpack(">Q", handle.read(8))[0]
            header = 16
        elif size == 0:
            size = end - start
        if size < header:
            return None
        if kind == b"mvhd":
            return _read_mvhd(handle)
        if kind in CONTAINER_BOXES:
            found = _find_mvhd(handle, start + size)
            if found is not None:
                return found
        handle.seek(start + size)
    return None


def _read_mvhd(handle) -> float | None:
    version = handle.read(4)[0]
    if version == 1:
        _created, _modified, timescale, duration = struct.unpack(">QQIQ", handle.read(28))
    else:
        _created, _modified, timescale, duration = struct.unpack(">IIII", handle.read(16))
    return duration / timescale if timescale else None


def video_type(path: str) -> str | None:
    return VIDEO_TYPES.get(Path(path).suffix.lower())
