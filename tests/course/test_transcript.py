"""The lesson page's transcript: the captions' lines, escaped, rendered once per captions
file version and re-read the moment the file changes."""

import os
import shutil

import pytest

from tests.factories import FIXTURE_CONTENT, learner_in
from tests.helpers import login

LESSON = "/courses/test-course/lessons/lesson-one"


@pytest.fixture
def captions(app, course, tmp_path, monkeypatch):
    """A writable copy of the course folder; returns lesson one's captions file."""
    shutil.copytree(FIXTURE_CONTENT / "test-course", tmp_path / "test-course")
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(tmp_path))
    return tmp_path / "test-course" / "media" / "lesson-1.vtt"


@pytest.fixture
def reader(client, course):
    login(client, learner_in(course))
    return client


def transcript(client) -> str:
    html = client.get(LESSON).get_data(as_text=True)
    return html.split('<ol id="transcript"', 1)[1].split("</ol>", 1)[0]


def rewrite(path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_transcript_lists_each_caption_line_with_its_time(reader, captions):
    lines = transcript(reader)
    assert lines.count('class="cue"') == 3
    assert 'data-start="2.5"' in lines and "This line is the middle of lesson 1." in lines
    assert '<span class="cue-time">0:02</span>' in lines


def test_caption_text_is_escaped(reader, captions):
    rewrite(captions, 'WEBVTT\n\n00:00.000 --> 00:01.000\nTom & Jerry say "hi"\n')
    lines = transcript(reader)
    assert "Tom &amp; Jerry say &#34;hi&#34;" in lines


def test_an_edited_captions_file_shows_on_the_next_view(reader, captions):
    assert "welcome to the test course" in transcript(reader)
    rewrite(captions, "WEBVTT\n\n00:00.000 --> 00:03.000\nA corrected first line.\n")
    lines = transcript(reader)
    assert "A corrected first line." in lines and "welcome to the test course" not in lines
    assert lines.count('class="cue"') == 1


def test_a_missing_captions_file_leaves_an_empty_transcript_not_an_error(reader, captions):
    captions.unlink()
    response = reader.get(LESSON)
    assert response.status_code == 200
    assert 'class="cue"' not in response.get_data(as_text=True)
