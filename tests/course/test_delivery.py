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


# Signed media links (MEDIA_URL_PREFIX): the access check redirects to a link the web server
# or CDN checks itself. The real nginx check runs in tests/test_scaleout.py.

SECRET = "media-secret-long-enough-for-the-check"


@pytest.fixture
def signed_media(app, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_URL_PREFIX", "https://media.example.org/lessons")
    monkeypatch.setitem(app.config, "MEDIA_URL_SECRET", SECRET)
    monkeypatch.setitem(app.config, "MEDIA_URL_LIFETIME", 3600)


def test_signature_matches_nginx_documentation_example():
    from course.delivery import media_signature

    # nginx's secure_link docs: echo -n '2147483647/s/link127.0.0.1 secret' | openssl md5
    # -binary | openssl base64 | tr +/ -_ | tr -d = gives _e4Nc3iduzkWRm01TBBNYw
    assert media_signature("/s/link127.0.0.1", 2147483647, "secret") == "_e4Nc3iduzkWRm01TBBNYw"


def test_video_redirects_to_a_signed_expiring_link(app, viewer, signed_media):
    import time
    from urllib.parse import parse_qs, urlsplit

    from course.delivery import media_signature

    response, _ = get(viewer)
    assert response.status_code == 302
    assert "no-store" in response.headers["Cache-Control"]  # the link is this learner's
    link = urlsplit(response.headers["Location"])
    assert (link.scheme, link.netloc) == ("https", "media.example.org")
    assert link.path == "/lessons/test-course/media/lesson-1.mp4"
    query = {key: values[0] for key, values in parse_qs(link.query).items()}
    expires = int(query["expires"])
    assert time.time() + 3600 <= expires <= time.time() + 3600 + 600
    assert query["md5"] == media_signature(link.path, expires, SECRET)


def test_captions_redirect_too_and_resources_stay_with_the_app(viewer, signed_media):
    captions = viewer.get("/courses/test-course/lessons/lesson-one/captions.vtt")
    assert captions.status_code == 302
    assert "/lessons/test-course/" in captions.headers["Location"]
    resource = viewer.get("/courses/test-course/lessons/lesson-one/resources/worksheet.txt")
    assert resource.status_code == 200 and "attachment" in resource.headers["Content-Disposition"]
    resource.close()


def test_no_signed_link_without_access(client, course, signed_media):
    outsider = make_user()
    login(client, outsider)
    response = client.get(VIDEO)
    assert response.status_code == 403
    client.post("/account/logout")
    assert "media.example.org" not in client.get(VIDEO).headers.get("Location", "")


def test_links_in_the_same_window_are_the_same_url(app, signed_media):
    from course.delivery import signed_media_url

    with app.test_request_context():
        first = signed_media_url("c/v.mp4", now=1_000_000_000)
        assert signed_media_url("c/v.mp4", now=1_000_000_100) == first
        assert signed_media_url("c/v.mp4", now=1_000_000_700) != first


def test_missing_file_is_404_not_a_signed_link(viewer, signed_media, course):
    from campus.extensions import db
    from tests.factories import lesson_named

    lesson_named(course).video_file = "media/missing.mp4"
    db.session.commit()
    assert viewer.get(VIDEO).status_code == 404


def test_a_short_secret_stops_start_up():
    from campus.config import ConfigError, check_media_urls

    with pytest.raises(ConfigError, match="MEDIA_URL_SECRET"):
        check_media_urls({"MEDIA_URL_PREFIX": "/m", "MEDIA_URL_SECRET": "short"})
    check_media_urls({"MEDIA_URL_PREFIX": "", "MEDIA_URL_SECRET": ""})


def test_page_policy_lets_the_player_load_from_the_media_origin(viewer, signed_media):
    page = viewer.get("/courses/test-course/lessons/lesson-one")
    directive = next(
        part.strip()
        for part in page.headers["Content-Security-Policy"].split(";")
        if part.strip().startswith("media-src")
    )
    assert directive == "media-src 'self' https://media.example.org"
    assert 'crossorigin="anonymous"' in page.get_data(as_text=True)  # CORS for its captions
