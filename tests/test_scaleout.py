"""Two app instances behind nginx, sharing the database and Redis: any instance serves any
learner (issue 13's scale-out proof).

bench/cluster.py starts, as this test's own processes: a Redis server on a free port, two
gunicorn instances of campus on the tests' database (PostgreSQL when TEST_DATABASE_URL is
set, else the tests' SQLite file), and Debian's nginx in front of them with a configuration
of its own (round robin, X-Accel-Redirect, secure_link). Skipped, with the reason, when
nginx, gunicorn or redis-server is missing.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from bench.cluster import SIGNED_PREFIX, missing, start_cluster, start_worker, stop
from bench.common import free_port
from campus.enrollment.queries import is_enrolled
from campus.extensions import db
from campus.models import utcnow
from community.models import EmailMode
from community.notifications.services import set_email_mode
from course.delivery import media_signature
from course.progress.models import ViewingSession
from tests.factories import (
    FIXTURE_CONTENT,
    lesson_named,
    make_enrollment,
    make_thread,
    make_user,
)
from tests.helpers import PASSWORD
from tests.live_server import server_env
from tests.smtp_server import Inbox

MEDIA_SECRET = "scale-out-test-media-secret-0123456789"
VIDEO = FIXTURE_CONTENT / "test-course" / "media" / "lesson-1.mp4"
WORKSHEET = "/courses/test-course/lessons/lesson-one/resources/worksheet.txt"

_missing = missing("nginx", "redis-server", "gunicorn")
pytestmark = pytest.mark.skipif(
    bool(_missing),
    reason=f"the two-instance test needs {', '.join(_missing)} (apt-get install nginx "
    "redis-server; gunicorn comes with the project)",
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: a cookie jar shared by every address it talks to (cookies ignore the
    port, so the same session cookie reaches both instances, as it would behind one name)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None):
        """(status, headers, body) of one request, never following a redirect."""
        request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()

    def token(self, url: str) -> str:
        status, _, body = self.request(url)
        assert status == 200, (url, status, body[:300])
        page = body.decode()
        found = re.search(r'name="csrf-token" content="([^"]+)"', page) or re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', page
        )
        return found.group(1)

    def post_form(self, url: str, fields: dict, token: str):
        body = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
        return self.request(url, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def sign_in(self, base: str, email: str, password: str = PASSWORD) -> int:
        token = self.token(base + "/account/login")
        status, _, _ = self.post_form(
            base + "/account/login", {"email": email, "password": password}, token
        )
        return status

    def post_json(self, url: str, body: dict, token: str):
        status, headers, data = self.request(
            url,
            json.dumps(body).encode(),
            {"Content-Type": "application/json", "X-CSRFToken": token},
        )
        return status, json.loads(data) if data else None


@pytest.fixture(scope="module")
def cluster(app):
    """Two instances (2 gthread workers x 4 threads each) behind nginx, for this module."""
    env = server_env(
        {
            "CONTENT_DIR": str(FIXTURE_CONTENT),
            # Counted in Redis across both instances; low, so the test reaches it quickly.
            "LOGIN_ATTEMPT_LIMITS": "4 per 15 minutes",
        }
    )
    running = start_cluster(env, 2, media_secret=MEDIA_SECRET)
    yield running
    running.close()


@pytest.fixture
def enrolled(course):
    user = make_user()
    make_enrollment(user, course)
    return user


def test_sign_in_on_one_instance_and_continue_on_the_other(cluster, enrolled, course):
    first, second = cluster.instances
    browser = Browser()
    assert browser.sign_in(first, enrolled.email) == 302
    status, _, page = browser.request(second + "/dashboard")
    assert status == 200 and course.title in page.decode()  # not a redirect to sign in
    # A form rendered by one instance is accepted by the other: CSRF tokens and the session
    # are signed with the shared SECRET_KEY, and nothing about them is kept in a process.
    token = browser.token(first + "/courses/test-course/leave")
    status, headers, _ = browser.post_form(second + "/courses/test-course/leave", {}, token)
    assert status == 302, headers
    db.session.expire_all()
    assert not is_enrolled(enrolled.id, course.id)
    # Signing out on the second instance ends the session on the first as well.
    token = browser.token(second + "/dashboard")
    browser.post_form(second + "/account/logout", {}, token)
    status, headers, _ = browser.request(first + "/dashboard")
    assert status == 302 and "/account/login" in headers["Location"]


def test_requests_through_nginx_reach_both_instances(cluster):
    seen = set()
    browser = Browser()
    for _ in range(6):
        _, headers, _ = browser.request(cluster.front + "/healthz")
        seen.add(headers["X-Upstream"])
    assert seen == {url.removeprefix("http://") for url in cluster.instances}


def test_login_limit_counts_across_both_instances(cluster):
    user = make_user()
    statuses = []
    for attempt in range(6):
        base = cluster.instances[attempt % 2]
        statuses.append(Browser().sign_in(base, user.email, "not the password!"))
    assert statuses == [401, 401, 401, 401, 429, 429]
    # and the right password, from either instance, is refused too while the limit holds
    assert Browser().sign_in(cluster.front, user.email) == 429


@pytest.fixture
def viewer(cluster, enrolled):
    browser = Browser()
    assert browser.sign_in(cluster.front, enrolled.email) == 302
    return browser


def test_video_through_nginx_by_signed_link_with_range(cluster, viewer):
    data = VIDEO.read_bytes()
    status, headers, _ = viewer.request(
        cluster.front + "/courses/test-course/lessons/lesson-one/video"
    )
    assert status == 302
    link = headers["Location"]
    assert link.startswith(SIGNED_PREFIX + "/test-course/media/lesson-1.mp4?md5=")
    anonymous = Browser()  # the link alone opens the file: no cookie reaches Python
    status, headers, body = anonymous.request(
        cluster.front + link, headers={"Range": "bytes=100-1099"}
    )
    assert status == 206
    assert headers["Content-Range"] == f"bytes 100-1099/{len(data)}"
    assert body == data[100:1100]
    assert "X-Upstream" not in headers  # nginx sent it from disk, no instance was asked


def test_altered_or_expired_links_are_refused_by_nginx(cluster, viewer):
    _, headers, _ = viewer.request(cluster.front + "/courses/test-course/lessons/lesson-one/video")
    link = headers["Location"]
    path, _, query = link.partition("?")
    fields = dict(urllib.parse.parse_qsl(query))
    anonymous = Browser()

    def status_of(url: str) -> int:
        return anonymous.request(cluster.front + url)[0]

    assert status_of(link) == 200
    assert status_of(path) == 403  # no signature
    other_file = path.replace("lesson-1.mp4", "lesson-2.mp4")
    assert status_of(f"{other_file}?{query}") == 403  # a signature is for one file
    tampered = fields["md5"][:-2] + ("AA" if not fields["md5"].endswith("AA") else "BB")
    assert status_of(f"{path}?md5={tampered}&expires={fields['expires']}") == 403
    later = int(fields["expires"]) + 3600
    assert status_of(f"{path}?md5={fields['md5']}&expires={later}") == 403  # extended by hand
    past = int(time.time()) - 60  # correctly signed, but expired
    signature = media_signature(path, past, MEDIA_SECRET)
    assert status_of(f"{path}?md5={signature}&expires={past}") == 410


def test_resources_go_by_x_accel_redirect_with_range(cluster, viewer):
    expected = (FIXTURE_CONTENT / "test-course" / "resources" / "worksheet.txt").read_bytes()
    status, headers, body = viewer.request(
        cluster.front + WORKSHEET, headers={"Range": "bytes=5-24"}
    )
    assert status == 206 and body == expected[5:25]
    assert "attachment" in headers["Content-Disposition"]
    status, _, _ = Browser().request(cluster.front + WORKSHEET)  # the access check still holds
    assert status == 302
    internal = cluster.front + "/protected-media/test-course/resources/worksheet.txt"
    assert Browser().request(internal)[0] == 404  # nginx's internal location is not public


def test_heartbeats_spread_over_both_instances_credit_exactly_what_was_sent(
    cluster, viewer, enrolled, course
):
    lesson = lesson_named(course)
    api = f"/api/lessons/{lesson.id}"
    token = viewer.token(cluster.front + "/courses/test-course/lessons/lesson-one")
    status, answer = viewer.post_json(cluster.instances[0] + api + "/sessions", {}, token)
    assert status == 201, answer
    session = db.session.get(ViewingSession, answer["session"])
    session.started_at = utcnow() - timedelta(hours=1)  # the wall-clock clamp must not bind
    db.session.commit()

    credited, seconds_sent, step = 0.0, 0.0, 0.5  # the fixture video is 8 s long
    for seq in range(1, 13):
        start = (seq - 1) * step
        beat = {
            "session": answer["session"],
            "seq": seq,
            "rate": 1.0,
            "intervals": [[start, start + step]],
            "position": start + step,
        }
        instance = cluster.instances[seq % 2]
        status, result = viewer.post_json(instance + api + "/progress", beat, token)
        assert status == 200, result
        credited += result["credited_seconds"]
        seconds_sent += step
        if seq % 3 == 0:  # a retry of the same beat, landing on the other instance
            other = cluster.instances[(seq + 1) % 2]
            status, again = viewer.post_json(other + api + "/progress", beat, token)
            assert status == 200 and again["credited_seconds"] == 0
    assert credited == seconds_sent == 6.0
    from tests.course.progress_helpers import ledger_total, progress_of

    db.session.expire_all()
    assert ledger_total(enrolled) == 6.0
    assert progress_of(enrolled, lesson).watched_seconds == 6.0


def test_a_reply_on_one_instance_is_emailed_by_the_worker(cluster, enrolled, course, tmp_path):
    """The instance queues the email in Redis with the reply's commit; a separate worker
    process, not the web instance, sends it: exactly one message reaches the author."""
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    author = make_user(email="author@example.com")
    make_enrollment(author, course)
    set_email_mode(author.id, EmailMode.EVENT)
    thread = make_thread(course, author, title="Where do I sit?")
    db.session.commit()
    env = server_env({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port)})
    log = tmp_path / "worker.log"
    worker = start_worker(cluster, env, log)
    try:
        first, _ = cluster.instances
        browser = Browser()
        assert browser.sign_in(first, enrolled.email) == 302
        url = f"{first}/courses/test-course/forum/t/{thread.id}"
        status, _, _ = browser.post_form(
            url + "/reply", {"body": "Beside the student."}, browser.token(url)
        )
        assert status == 302
        deadline = time.monotonic() + 60  # a worker starts slowly on a busy machine
        while not inbox.to("author@example.com") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(inbox.to("author@example.com")) == 1, log.read_text()[-3000:]
        time.sleep(1)  # a second delivery would arrive by now
        assert len(inbox.to("author@example.com")) == 1
    finally:
        stop(worker)
        smtp.stop()
