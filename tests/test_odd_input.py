"""Odd input is a clear 4xx, never a 500: nesting, huge integers, non-text tokens, odd ids."""

from __future__ import annotations

import json

import pytest

from tests.course.progress_helpers import open_session
from tests.factories import learner_in, lesson_named, make_thread
from tests.helpers import csrf_token_for, login, post

HUGE = [2**31, 2**63, 2**64, 10**400]
HUGE_IDS = ["2^31", "2^63", "2^64", "400 digits"]
NESTED = "[" * 100_000 + "]" * 100_000
NESTED_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000


@pytest.fixture
def learner(client, course):
    user = learner_in(course)
    login(client, user)
    return user


@pytest.fixture
def lesson(course):
    return lesson_named(course)


def send(client, url: str, body: str, content_type: str = "application/json"):
    token = csrf_token_for(client, client.application)
    return client.post(url, data=body, content_type=content_type, headers={"X-CSRFToken": token})


def clear_4xx(response, words: str) -> None:
    assert 400 <= response.status_code < 500, response.status_code
    assert words in response.get_json()["error"]


@pytest.mark.parametrize("body", [NESTED, NESTED_OBJECT])
def test_deeply_nested_json_is_a_400(client, learner, lesson, course, body):
    for url in (
        f"/api/lessons/{lesson.id}/sessions",
        f"/api/lessons/{lesson.id}/progress",
        f"/courses/{course.slug}/forum/preview",
    ):
        clear_4xx(send(client, url, body), "nested too deeply")


@pytest.mark.parametrize("token", [["a"], {"a": 1}, 12, None, True])
def test_a_non_text_csrf_token_in_a_beacon_is_a_400(client, learner, lesson, token):
    sid = open_session(client, lesson, seconds_ago=60)
    body = {"session": sid, "seq": 1, "intervals": [[0, 3]], "position": 3, "rate": 1}
    response = client.post(
        f"/api/lessons/{lesson.id}/progress",
        data=json.dumps({**body, "csrf_token": token}),
        content_type="text/plain;charset=UTF-8",
    )
    clear_4xx(response, "Security check failed")


@pytest.mark.parametrize("huge", HUGE, ids=HUGE_IDS)
@pytest.mark.parametrize("field", ["session", "seq", "position", "rate", "interval"])
def test_huge_integers_in_progress_fields_are_a_422(client, learner, lesson, field, huge):
    sid = open_session(client, lesson, seconds_ago=60)
    body = {"session": sid, "seq": 1, "intervals": [[0, 3]], "position": 3, "rate": 1}
    if field == "interval":
        body["intervals"] = [[0, huge]]
    else:
        body[field] = huge
    response = send(client, f"/api/lessons/{lesson.id}/progress", json.dumps(body))
    assert response.status_code in (404, 422)
    assert response.get_json()["error"]


@pytest.mark.parametrize("huge", HUGE, ids=HUGE_IDS)
def test_huge_page_and_quote_args_are_a_400(client, learner, course, huge):
    thread = make_thread(course, learner)
    forum = f"/courses/{course.slug}/forum"
    for url in (
        f"{forum}/?page={huge}",
        f"{forum}/t/{thread.id}?page={huge}",
        f"{forum}/t/{thread.id}?quote={huge}",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "whole number" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5"])
def test_odd_page_args_are_a_400(client, learner, course, value):
    response = client.get(f"/courses/{course.slug}/forum/?page={value}")
    assert response.status_code == 400
    assert "whole number" in response.get_data(as_text=True)


@pytest.mark.parametrize("huge", HUGE, ids=HUGE_IDS)
def test_huge_ids_in_paths_and_forms_are_a_4xx(client, learner, course, lesson, huge):
    thread = make_thread(course, learner)
    forum = f"/courses/{course.slug}/forum"
    for url in (f"{forum}/t/{huge}", f"{forum}/p/{huge}/edit", f"/lessons/{huge}"):
        assert client.get(url).status_code == 404, url
    clear_4xx(send(client, f"/api/lessons/{huge}/progress", "{}"), "nothing at this address")
    read = post(client, f"{forum}/t/{thread.id}/read", {"number": str(huge)})
    assert read.status_code == 400
    bell = post(client, "/forum/notifications/read", {"id": str(huge)})
    assert 400 <= bell.status_code < 500
