"""Media delivery: HTTP Range (206, Content-Range, 416) and the X-Accel-Redirect hand-off."""

import pytest

from tests.factories import FIXTURE_CONTENT, make_enrollment, make_user
from tests.helpers import login

VIDEO = "/courses/test-course/lessons/lesson-one/video"
DATA = (FIXTURE_CONTENT / "test-course" / "media" / "lesson-1.mp4").read_bytes()
SIZE = len(DATA)


@pytest.fixture
def viewer(client, course):
    user = make_user()
    make_enrollment(user, course)
    login(client, user)
    return client


def get(client, range_header=None):
    headers = {"Range": range_header} if range_header else {}
    response = client.get(VIDEO, headers=headers)
    body = response.get_data()
    response.close()
    return response, body


def test_whole_file_advertises_ranges(viewer):
    response, body = get(viewer)
    assert response.status_code == 200
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.mimetype == "video/mp4"
    assert body == DATA


def test_first_bytes(viewer):
    response, body = get(viewer, "bytes=0-99")
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 0-99/{SIZE}"
    assert body == DATA[:100]


def test_middle_slice(viewer):
    response, body = get(viewer, "bytes=1000-1999")
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 1000-1999/{SIZE}"
    assert response.headers["Content-Length"] == "1000"
    assert body == DATA[1000:2000]


def test_suffix(viewer):
    response, body = get(viewer, "bytes=-500")
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {SIZE - 500}-{SIZE - 1}/{SIZE}"
    assert body == DATA[-500:]


def test_open_ended(viewer):
    response, body = get(viewer, f"bytes={SIZE - 10}-")
    assert response.status_code == 206
    assert body == DATA[-10:]


def test_unsatisfiable_range(viewer):
    response, _ = get(viewer, f"bytes={SIZE + 10}-{SIZE + 20}")
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{SIZE}"


def test_media_is_private_but_cacheable_by_the_viewer(viewer):
    response, _ = get(viewer)
    assert response.headers["Cache-Control"] == "private, max-age=3600"


def test_accel_redirect_hands_the_file_to_the_web_server(app, viewer, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ACCEL_REDIRECT_PREFIX", "/protected-media")
    response, body = get(viewer)
    assert response.status_code == 200
    assert response.headers["X-Accel-Redirect"] == "/protected-media/test-course/media/lesson-1.mp4"
    assert body == b""


def test_resource_downloads_as_attachment(viewer):
    response = viewer.get("/courses/test-course/lessons/lesson-one/resources/worksheet.txt")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data().startswith(b"Push-in planning worksheet")
    response.close()


def test_captions_are_served_as_webvtt(viewer):
    response = viewer.get("/courses/test-course/lessons/lesson-one/captions.vtt")
    assert response.mimetype == "text/vtt"
    assert response.get_data(as_text=True).startswith("WEBVTT")
    response.close()
