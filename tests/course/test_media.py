"""Media durations: ffprobe where present, the MP4 header otherwise, and they agree."""

import shutil
from pathlib import Path

import pytest

from course import media
from tests.factories import FIXTURE_CONTENT

CONTENT = Path(__file__).resolve().parents[2] / "content"
VIDEOS = sorted([*FIXTURE_CONTENT.glob("*/media/*.mp4"), *CONTENT.glob("*/media/*.mp4")])


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed")
@pytest.mark.parametrize("video", VIDEOS, ids=lambda p: p.name)
def test_header_duration_matches_ffprobe(video):
    assert media._mp4_duration(video) == pytest.approx(media._ffprobe_duration(video), abs=0.05)


def test_duration_without_ffprobe_comes_from_the_header(monkeypatch, tmp_path):
    copy = tmp_path / "lesson.mp4"
    copy.write_bytes((FIXTURE_CONTENT / "test-course" / "media" / "lesson-1.mp4").read_bytes())
    monkeypatch.setattr(media.shutil, "which", lambda name: None)
    assert media.media_duration(copy) == pytest.approx(8.0, abs=0.05)


def test_unreadable_media_has_no_duration(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x10notanmp4atall")
    assert media._mp4_duration(junk) is None
