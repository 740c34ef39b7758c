from tests.factories import make_enrollment, make_user
from tests.helpers import login


def test_enrolled_learner_opens_lesson(client, course):
    user = make_user()
    make_enrollment(user, course)
    login(client, user)
    response = client.get("/courses/test-course/lessons/lesson-one")
    assert response.status_code == 200
    assert b"Lesson one" in response.data
