"""Fixtures the course tests share: a signed-in learner of the fixture course, one lesson."""

from __future__ import annotations

import pytest

from tests.factories import lesson_named, make_enrollment, make_user
from tests.helpers import login


@pytest.fixture
def learner(course, client):
    """An enrolled learner, signed in on `client`."""
    user = make_user()
    make_enrollment(user, course)
    login(client, user)
    return user


@pytest.fixture
def lesson(course):
    return lesson_named(course)
