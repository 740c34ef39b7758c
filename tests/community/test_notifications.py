"""Notifications in the bell, and their email through a real SMTP server on loopback."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bench.common import free_port
from campus.accounts.models import Role
from campus.extensions import db
from community.models import EmailMode, Member, Notification, NotificationKind, Post
from community.notifications import queries as notifications
from community.notifications import services as notification_services
from tests.factories import learner_in, make_thread, make_user
from tests.helpers import client_for, post, run_due_jobs


def _kinds(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def _set_mode(user, mode):
    notification_services.set_email_mode(user.id, mode)
    db.session.commit()


def test_reply_mention_accept_and_bell(app, course):
    asker = learner_in(course, name="Dana Learner")
    helper = learner_in(course, name="Sam Helper")
    outsider = make_user(name="Out Sider")
    thread = make_thread(course, asker, is_question=True)
    client = client_for(app, helper)
    post(
        client,
        f"/courses/test-course/forum/t/{thread.id}/reply",
        {"body": "Try a timer. cc @dana-learner and @out-sider"},
    )
    assert _kinds(asker) == [NotificationKind.MENTION]  # mention replaces the reply notice
    assert _kinds(outsider) == []  # not in this course: mentions do not reach them
    answer = db.session.scalar(select(Post).where(Post.number == 2))
    asker_client = client_for(app, asker)
    post(asker_client, f"/courses/test-course/forum/t/{thread.id}/accept/{answer.id}")
    assert _kinds(helper) == [NotificationKind.ACCEPTED]
    html = asker_client.get("/forum/notifications").get_data(as_text=True)
    assert 'class="count">1<' in html and "mentioned you in" in html
    post(asker_client, "/forum/notifications/read")
    assert notifications.unread_count(asker.id) == 0
    post(asker_client, f"/courses/test-course/forum/t/{thread.id}/reply", {"body": "Thanks!"})
    assert _kinds(helper)[-1] == NotificationKind.REPLY  # helper follows after replying


def test_announcement_notifies_everyone_enrolled(app, course):
    instructor = make_user(Role.INSTRUCTOR)
    learners = [learner_in(course) for _ in range(3)]
    make_user()  # not enrolled
    make_thread(course, instructor, title="Week 2 starts", slug="announcements")
    assert db.session.scalar(select(db.func.count(Notification.id))) == 3
    assert all(_kinds(u) == [NotificationKind.ANNOUNCEMENT] for u in learners)


def test_event_email_with_one_click_unsubscribe(app, course, smtp_server):
    asker, helper = learner_in(course), learner_in(course)
    _set_mode(asker, EmailMode.EVENT)
    thread = make_thread(course, asker, title="Chair height")
    client = client_for(app, helper)
    post(client, f"/courses/test-course/forum/t/{thread.id}/reply", {"body": "Use a footrest"})
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == asker.email and "Chair height" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.search(r"<([^>]+)>", message["List-Unsubscribe"]).group(1)
    assert url in message.get_content()
    path = url.split("campus.test", 1)[1]
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 200  # a GET (link scanner) changes nothing
    assert notifications.email_mode(asker.id) == EmailMode.EVENT
    response = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert notifications.email_mode(asker.id) == EmailMode.OFF
    assert anonymous.post(path[:-3] + "xyz").status_code == 404
    post(client, f"/courses/test-course/forum/t/{thread.id}/reply", {"body": "Another"})
    assert len(smtp_server.messages) == 1


def test_digest_groups_by_course_and_thread(app, course, smtp_server, runner, monkeypatch):
    reader, writer = learner_in(course), learner_in(course)
    _set_mode(reader, EmailMode.DIGEST)
    first = make_thread(course, reader, title="Thread A")
    second = make_thread(course, reader, title="Thread B")
    client = client_for(app, writer)
    monkeypatch.setitem(app.config, "FORUM_POSTS_PER_WINDOW", 100)
    for thread in (first, first, second):
        post(client, f"/courses/test-course/forum/t/{thread.id}/reply", {"body": "hi"})
    assert smtp_server.messages == []  # digest members get nothing per event
    result = runner.invoke(args=["forum", "send-digests"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 1
    body = smtp_server.messages[0].get_content()
    assert body.count("Test Course · Thread A") == 1 and body.count("Test Course · Thread B") == 1
    assert body.count("- a new reply") == 3
    assert smtp_server.messages[0]["List-Unsubscribe"]
    runner.invoke(args=["forum", "send-digests"])
    assert len(smtp_server.messages) == 1  # nothing is sent twice


def test_a_member_who_never_chose_gets_the_daily_digest_they_are_shown(
    app, course, smtp_server, runner
):
    """The email page shows "daily digest" to a member who never saved it; the jobs must
    treat that member (no Member row) the same way, not as someone who wants no email."""
    asker, helper = learner_in(course), learner_in(course)
    thread = make_thread(course, asker, title="Sensory breaks")
    post(client_for(app, helper), f"/courses/test-course/forum/t/{thread.id}/reply", {"body": "x"})
    assert db.session.get(Member, asker.id) is None  # never opened the email page
    assert notifications.email_mode(asker.id) == EmailMode.DIGEST
    assert smtp_server.messages == []  # a digest member gets nothing per event

    result = runner.invoke(args=["forum", "send-digests"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in smtp_server.messages] == [asker.email]
    body = smtp_server.messages[0].get_content()
    assert "Test Course · Sensory breaks" in body and "- a new reply" in body
    runner.invoke(args=["forum", "send-digests"])
    assert len(smtp_server.messages) == 1  # sent once


def test_email_settings_page(app, course):
    learner = learner_in(course)
    client = client_for(app, learner)
    assert client.get("/forum/email").status_code == 200
    post(client, "/forum/email", {"mode": "event"})
    assert db.session.get(Member, learner.id).email_mode == "event"


def test_hidden_threads_are_not_announced_to_members(app, course, smtp_server, runner):
    asker = learner_in(course, name="Dana Learner")
    helper = learner_in(course, name="Sam Helper")
    _set_mode(asker, EmailMode.DIGEST)
    thread = make_thread(course, asker, title="Secret title about a student")
    post(client_for(app, helper), f"/courses/test-course/forum/t/{thread.id}/reply", {"body": "x"})
    assert notifications.unread_count(asker.id) == 1
    thread.is_hidden = True  # a moderator hides the thread before the digest goes out
    db.session.commit()
    assert _kinds(asker) == [NotificationKind.REPLY]  # kept, in case the thread is restored
    assert notifications.unread_count(asker.id) == 0
    html = client_for(app, asker).get("/forum/notifications").get_data(as_text=True)
    assert "Secret title" not in html
    runner.invoke(args=["forum", "send-digests"])
    assert smtp_server.messages == []
    assert notifications.unread_count(asker.id, is_staff=True) == 1


def test_an_announcement_reaches_every_email_member_over_one_connection(app, course, smtp_server):
    instructor = make_user(Role.INSTRUCTOR)
    learners = [learner_in(course) for _ in range(6)]
    for learner in learners:
        _set_mode(learner, EmailMode.EVENT)
    response = post(
        client_for(app, instructor),
        "/courses/test-course/forum/new",
        {"category": "announcements", "title": "Week 2 starts", "body": "Module 2 is open."},
    )
    assert response.status_code == 302
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(u.email for u in learners)
    assert all("Week 2 starts" in m["Subject"] for m in smtp_server.messages)
    assert smtp_server.connections == 1


def test_a_mail_server_outage_loses_neither_the_reply_nor_its_email(
    app, course, smtp_server, runner, monkeypatch
):
    asker, helper = learner_in(course), learner_in(course)
    _set_mode(asker, EmailMode.EVENT)
    thread = make_thread(course, asker, title="Chair height")
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens: refused
        response = post(
            client_for(app, helper),
            f"/courses/test-course/forum/t/{thread.id}/reply",
            {"body": "Use a footrest"},
        )
    assert response.status_code == 302  # the poster never sees the mail server's trouble
    bodies = db.session.scalars(select(Post.body_source).where(Post.thread_id == thread.id)).all()
    assert "Use a footrest" in bodies
    waiting = db.session.scalar(select(Notification).where(Notification.user_id == asker.id))
    assert waiting.emailed_at is None and smtp_server.messages == []

    # The job failed and waits for its retry; once the server is back, it sends the email.
    assert run_due_jobs(app) == 1
    assert [m["To"] for m in smtp_server.messages] == [asker.email]
    assert run_due_jobs(app) == 0
    assert "Sent 0 event email(s)." in runner.invoke(args=["forum", "send-event-emails"]).output
    assert len(smtp_server.messages) == 1


def test_a_learner_who_left_the_course_hears_nothing_more_of_its_forum(app, course, smtp_server):
    from campus.enrollment.models import EnrollmentStatus
    from campus.enrollment.queries import find_enrollment

    leaver, helper = learner_in(course), learner_in(course)
    _set_mode(leaver, EmailMode.EVENT)
    thread = make_thread(course, leaver, title="Sensory breaks in grade 2")
    find_enrollment(leaver.id, course.id).status = EnrollmentStatus.WITHDRAWN
    db.session.commit()
    post(
        client_for(app, helper),
        f"/courses/test-course/forum/t/{thread.id}/reply",
        {"body": "Try a movement card"},
    )
    assert _kinds(leaver) == [NotificationKind.REPLY]  # recorded, in case they come back
    assert notifications.unread_count(leaver.id) == 0
    assert notifications.recent(leaver.id) == []
    assert smtp_server.messages == []
    html = client_for(app, leaver).get("/forum/notifications").get_data(as_text=True)
    assert "Sensory breaks" not in html


def test_opening_the_thread_reads_its_notifications_and_the_link_goes_to_the_post(app, course):
    asker, helper = learner_in(course), learner_in(course)
    thread = make_thread(course, asker, title="Pencil grip in art class")
    post(
        client_for(app, helper),
        f"/courses/test-course/forum/t/{thread.id}/reply",
        {"body": "Try a short crayon"},
    )
    asker_client = client_for(app, asker)
    listing = asker_client.get("/forum/notifications").get_data(as_text=True)
    link = f'href="/courses/test-course/forum/t/{thread.id}#post-2"'
    assert link in listing
    assert notifications.unread_count(asker.id) == 1
    url = f"/courses/test-course/forum/t/{thread.id}"
    page = asker_client.get(url).get_data(as_text=True)
    assert notifications.unread_count(asker.id) == 1  # the GET itself writes nothing
    assert 'id="thread-read"' in page
    answer = post(asker_client, url + "/read", {"number": "2"})
    assert answer.get_json() == {"read": 2, "unread": 0}  # the page's script clears the bell
    assert notifications.unread_count(asker.id) == 0


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("Zoë Ñúñez-O'Brien", "@zoë-ñúñez-o'brien"),  # accents and an apostrophe (finding 13)
        ("ÉMILE ZOLA", "@Émile-zola"),  # case-insensitive beyond ASCII
        ("Zoe\u0308 Adams", "@zoë-adams"),  # stored decomposed (NFD), written composed
        ("D\u2019Angelo Russo", "@d'angelo-russo"),  # a phone's typographic apostrophe
        ("Siobhán  Mac\tGiolla", "@siobhán-mac-giolla,"),  # odd spacing; trailing comma
        ("Σοφία Παπαδοπούλου", "@σοφία-παπαδοπούλου"),  # no ASCII at all
        ("王小明", "@王小明."),
        ("Martin King Jr.", "@martin-king-jr."),
    ],
)
def test_mentions_work_for_every_name_sign_up_accepts(app, course, name, written):
    mentioned = learner_in(course, name=name)
    learner_in(course, name="Zoe Nunez-OBrien")  # a look-alike ASCII name is someone else
    writer = learner_in(course, name="Sam Helper")
    thread = make_thread(course, writer)
    client = client_for(app, writer)
    post(client, f"/courses/test-course/forum/t/{thread.id}/reply", {"body": f"cc {written} ok"})
    assert _kinds(mentioned) == [NotificationKind.MENTION]
    assert db.session.scalar(select(db.func.count(Notification.id))) == 1


def test_the_shown_handle_is_the_one_that_works(app, course):
    assert notification_services.mention_handle("Zoë Ñúñez-O\u2019Brien") == "zoë-ñúñez-o'brien"
