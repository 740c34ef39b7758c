"""The narration build (scripts/build_media.py, scripts/vtt_writer.py): what reaches the screen,
the captions and the voice. Runs without ffmpeg, espeak-ng or Piper: only the pure parts."""

import array
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load(name: str):
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location(f"media_{name}", SCRIPTS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while defining
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPTS))


build_media = _load("build_media")
vtt_writer = _load("vtt_writer")


def test_caption_lines_never_break_inside_a_hyphenated_word():
    for width_text in (
        "where one student might receive a push-in session, a pull-out session and",
        "This is the step that keeps pull-out time connected to class.",
    ):
        lines = vtt_writer.cue_lines(width_text)
        assert len(lines) == 2
        assert not any(line.endswith("-") for line in lines), lines
        assert " ".join(lines) == width_text


def test_section_504_is_written_as_a_number_and_spoken_as_a_name():
    assert build_media.spoken_form("A Section 504 plan, not IEPs") == (
        "A Section five oh four plan, not I E P's"
    )


def test_a_point_that_yaml_reads_as_a_mapping_is_refused(tmp_path):
    narration = tmp_path / "lesson.yml"
    narration.write_text(
        "slides:\n  - heading: Example\n    points:\n      - Goal: write longer\n"
        "    narration: One sentence.\n"
    )
    with pytest.raises(build_media.BuildError, match="is not text; quote it"):
        build_media.load_narration(narration)


@pytest.mark.parametrize(
    ("header", "message"),
    [("engine: festival\n", "'engine' must be one of"), ("engine: piper\n", "Piper 'voice'")],
)
def test_voice_engine_and_piper_voice_are_checked(tmp_path, header, message):
    narration = tmp_path / "lesson.yml"
    narration.write_text(header + "slides:\n  - heading: A\n    narration: One sentence.\n")
    with pytest.raises(build_media.BuildError, match=message):
        build_media.load_narration(narration)


def test_piper_voice_settings_are_read(tmp_path):
    narration = tmp_path / "lesson.yml"
    narration.write_text(
        "engine: piper\nvoice: en_US-joe-medium\nslides:\n  - heading: A\n    narration: Hi.\n"
    )
    _slides, voice = build_media.load_narration(narration)
    assert voice == {"engine": "piper", "voice": "en_US-joe-medium", "speed": 150}


def test_narration_is_levelled_and_peaks_stay_under_the_ceiling():
    quiet = array.array("h", [0, 1000, -1000, 1000, 0, -1000])
    louder = build_media.normalized(quiet)
    rms = (sum(v * v for v in louder if v) / 4) ** 0.5
    assert rms == pytest.approx(32767 * 10 ** (build_media.TARGET_RMS_DBFS / 20), rel=0.01)
    spiky = array.array("h", [1000] * 99 + [30000])
    assert max(build_media.normalized(spiky)) <= build_media.PEAK_CEILING * 32767 + 1
