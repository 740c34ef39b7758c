"""Reading a thread is recorded by the page's script (a POST), never by the GET: the bell
clears on the page itself, the read marker is saved, and a plain GET changes nothing."""

from __future__ import annotations

import pytest

from campus.extensions import db
from community.models import Notification, ReadMarker
from tests.browser.test_forum_flow import _login
from tests.factories import import_fixture_course, learner_in, make_thread
from tests.helpers import client_for, post

pytestmark = pytest.mark.browser


def _state(asker, thread) -> tuple[int | None, bool]:
    """(the asker's read marker in the thread, whether their notification is read)."""
    db.session.expire_all()
    marker = db.session.get(ReadMarker, (asker.id, thread.id))
    notification = db.session.query(Notification).filter_by(user_id=asker.id).one()
    db.session.rollback()  # hold no read transaction while the server writes
    return (marker.last_read_number if marker else None), notification.read_at is not None


def test_the_page_marks_a_thread_read_and_a_plain_get_does_not(app, live_server, page):
    course = import_fixture_course()
    asker, helper = learner_in(course), learner_in(course)
    thread = make_thread(course, asker, title="Visual schedules")
    reply = post(
        client_for(app, helper),
        f"/courses/test-course/forum/t/{thread.id}/reply",
        {"body": "A first-then board works well."},
    )
    assert reply.status_code == 302
    before = _state(asker, thread)
    assert before[1] is False  # one unread reply notification
    url = f"{live_server}/courses/test-course/forum/t/{thread.id}"
    _login(page, live_server, asker)

    # A GET alone, with the member's cookies but no script run (a prefetch, a link checker).
    plain = page.context.request.get(url)
    assert plain.status == 200 and 'id="thread-read"' in plain.text()
    assert '<span class="count">1</span>' in plain.text()  # the server still counts it
    assert _state(asker, thread) == before  # nothing written by the GET

    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    response = page.goto(url)
    assert '<span class="count">1</span>' in response.text()  # as served: one unread
    page.locator("a.bell .count").wait_for(state="detached")  # cleared by the page's POST
    assert page.locator("a.bell").inner_text().strip() == "Notifications"
    assert navigations == [url]  # no reload did it
    assert _state(asker, thread) == (2, True)  # posts 1-2 read, the notification too
