"""Post-test item analysis: the arithmetic against numbers worked out by hand, which attempts
count, the page and its CSV (formula-safe), and who may see them."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from campus.accounts.models import Role
from campus.extensions import db
from campus.models import utcnow
from course.assessment import item_analysis as ia
from course.assessment.models import PostTestAttempt, PostTestQuestion
from tests.factories import import_ce_course, learner_in, make_user
from tests.helpers import client_for, count_queries, login_url

# Five learners, five items, every item shown to everyone. What each picked:
#        Q1(key a)  Q2(key b)  Q3(keys a+b)  Q4(key c)  Q5(key a)   right  total
# L1     a  1       a  0       a,b  1        c  1       a  1        4
# L2     a  1       a  0       a,b  1        a  0       a  1        3
# L3     a  1       b  1       a    0        a  0       a  1        3
# L4     a  1       b  1       a,c  0        b  0       a  1        3
# L5     b  0       b  1       -    0        a  0       a  1        2
ITEMS = [
    ia.Item(1, "q1", "obj-A", "Q1", ("a", "b", "c"), frozenset("a")),
    ia.Item(2, "q2", "obj-A", "Q2", ("a", "b", "c"), frozenset("b")),
    ia.Item(3, "q3", "obj-B", "Q3", ("a", "b", "c"), frozenset("ab")),
    ia.Item(4, "q4", "obj-B", "Q4", ("a", "b", "c"), frozenset("c")),
    ia.Item(5, "q5", "obj-B", "Q5", ("a", "b"), frozenset("a")),
]
PICKS = [
    ["a", "a", "ab", "c", "a"],
    ["a", "a", "ab", "a", "a"],
    ["a", "b", "a", "a", "a"],
    ["a", "b", "ac", "b", "a"],
    ["b", "b", "", "a", "a"],
]
ATTEMPTS = [
    ia.Answers((1, 2, 3, 4, 5), {i + 1: frozenset(p) for i, p in enumerate(row) if p})
    for row in PICKS
]


def test_the_arithmetic_matches_the_hand_computation():
    results = {r.item.key: r for r in ia.analyse(ITEMS, ATTEMPTS, min_responses=5)}

    # Difficulty: the share right.
    assert [results[k].difficulty for k in ("q1", "q2", "q3", "q4", "q5")] == [
        0.8,
        0.6,
        0.4,
        0.2,
        1.0,
    ]
    # Point-biserial against the rest score (right answers on the other four items).
    # Q1: x = 1,1,1,1,0; rest = 3,2,2,2,2: deviations .2,.2,.2,.2,-.8 and .8,-.2,-.2,-.2,-.2;
    #     sum of products .2; sums of squares .8 and .8 -> r = .2 / .8 = 0.25.
    assert results["q1"].point_biserial == pytest.approx(0.25)
    # Q2: x = 0,0,1,1,1; rest = 4,3,2,2,1: products -.96 -.36 -.16 -.16 -.56 = -2.2;
    #     squares 1.2 and 5.2 -> r = -2.2 / sqrt(6.24) = -0.880705.
    assert results["q2"].point_biserial == pytest.approx(-0.880705, abs=1e-6)
    # Q3: x = 1,1,0,0,0; rest = 3,2,3,3,2: products .24 -.36 -.16 -.16 .24 = -.2;
    #     squares 1.2 and 1.2 -> r = -1/6.
    assert results["q3"].point_biserial == pytest.approx(-1 / 6)
    # Q4: x = 1,0,0,0,0; rest = 3,3,3,3,2: products .16 -.04 -.04 -.04 .16 = .2 -> .2/.8.
    assert results["q4"].point_biserial == pytest.approx(0.25)
    assert results["q5"].point_biserial is None  # everyone right: no variation

    # Upper-lower: round(.27 * 5) = 1 learner a side: L1 (4 right) and L5 (2 right).
    assert [results[k].upper_lower for k in ("q1", "q2", "q3", "q4", "q5")] == [
        1.0,
        -1.0,
        1.0,
        1.0,
        0.0,
    ]

    # Choice counts (a multi-select answer counts each choice it picked) and blanks.
    assert results["q1"].choice_counts == {"a": 4, "b": 1, "c": 0}
    assert results["q3"].choice_counts == {"a": 4, "b": 2, "c": 1}
    assert results["q3"].blank == 1
    assert results["q4"].choice_counts == {"a": 3, "b": 1, "c": 1}

    assert results["q1"].flags == ["distractor nobody picks: c"]
    assert results["q2"].flags == ["negative discrimination", "distractor nobody picks: c"]
    assert results["q3"].flags == ["negative discrimination"]
    assert results["q4"].flags == ["key picked less than a distractor"]
    assert results["q5"].flags == ["too easy", "distractor nobody picks: b"]


def test_results_per_objective_and_flag_counts():
    results = ia.analyse(ITEMS, ATTEMPTS, min_responses=5)
    objectives = {o.objective: o for o in ia.by_objective(results)}
    assert (objectives["obj-A"].items, objectives["obj-A"].responses) == (2, 10)
    assert objectives["obj-A"].share_correct == pytest.approx(7 / 10)  # 4 + 3 right
    assert objectives["obj-B"].share_correct == pytest.approx(8 / 15)  # 2 + 1 + 5 right
    assert ia.flag_counts(results) == {
        "too easy": 1,
        "negative discrimination": 2,
        "distractor nobody picks": 3,
        "key picked less than a distractor": 1,
    }


def test_too_few_answers_are_not_flagged():
    results = ia.analyse(ITEMS, ATTEMPTS)  # the default minimum is 20
    assert all(r.flags == [] for r in results)
    assert results[0].difficulty == 0.8  # the figures are still there


def test_an_item_not_drawn_into_an_attempt_is_judged_without_it():
    attempts = [*ATTEMPTS, ia.Answers((1, 2), {1: frozenset("a"), 2: frozenset("b")})]
    results = {r.item.key: r for r in ia.analyse(ITEMS, attempts, min_responses=5)}
    assert results["q1"].responses == 6 and results["q5"].responses == 5
    assert results["q1"].difficulty == pytest.approx(5 / 6)


# --- The page, its CSV and its data ------------------------------------------------------


@pytest.fixture
def ce_course(app):
    return import_ce_course()


def _answer(course, user, number: int, picks: dict[str, list[str]], shown=None):
    """A submitted attempt choosing `picks` (question key -> choice ids)."""
    questions = {
        q.key: q
        for q in db.session.scalars(
            select(PostTestQuestion).where(PostTestQuestion.course_id == course.id)
        )
    }
    shown = shown or list(questions)
    db.session.add(
        PostTestAttempt(
            user_id=user.id,
            course_id=course.id,
            number=number,
            layout=[
                {"question": questions[k].id, "choices": [c["id"] for c in questions[k].choices]}
                for k in shown
            ],
            answers={str(questions[k].id): v for k, v in picks.items()},
            score=0.5,
            submitted_at=utcnow(),
        )
    )
    db.session.commit()


def test_only_each_learners_first_submitted_attempt_counts(ce_course):
    from course.assessment.queries import item_analysis_page

    learner = learner_in(ce_course)
    _answer(ce_course, learner, 1, {"push-in": ["b"]})
    _answer(ce_course, learner, 2, {"push-in": ["a"]})
    other = learner_in(ce_course)
    _answer(ce_course, other, 1, {"push-in": ["a"]}, shown=["push-in", "data"])

    page = item_analysis_page(ce_course.id)
    results = {r.item.key: r for r in page.items}
    assert page.learners == 2
    assert results["push-in"].choice_counts == {"a": 1, "b": 1, "c": 0}
    assert results["data"].responses == 2 and results["schedule"].responses == 1


def test_page_and_csv_for_staff_with_a_constant_query_count(app, ce_course):
    evil = learner_in(ce_course)
    _answer(ce_course, evil, 1, {"push-in": ["a"]})
    question = db.session.scalar(select(PostTestQuestion).where(PostTestQuestion.key == "data"))
    question.prompt = '=HYPERLINK("http://evil")'
    db.session.commit()
    staff = client_for(app, make_user(Role.INSTRUCTOR))
    url = f"/admin/courses/{ce_course.slug}/item-analysis"
    staff.get(url)
    with count_queries() as few:
        html = staff.get(url).get_data(as_text=True)
    assert "1 learner(s)" in html and "Difficulty" in html
    for _ in range(30):
        _answer(ce_course, learner_in(ce_course), 1, {"push-in": ["b"], "data": ["a"]})
    with count_queries() as many:
        html = staff.get(url).get_data(as_text=True)
    assert "31 learner(s)" in html and "key picked less than a distractor" in html
    print(f"item analysis queries: {len(few)} at 1 learner, {len(many)} at 31")
    assert len(few) == len(many)

    response = staff.get(url + ".csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_key = {row["key"]: row for row in rows}
    assert by_key["data"]["prompt"].startswith("'=HYPERLINK")
    assert by_key["push-in"]["responses"] == "31"
    assert by_key["push-in"]["difficulty"] == f"{1 / 31:.3f}"
    assert by_key["push-in"]["choice_counts"] == "a=1 b=30 c=0"
    assert "key picked less than a distractor" in by_key["push-in"]["flags"]


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_access(app, client, ce_course, suffix):
    url = f"/admin/courses/{ce_course.slug}/item-analysis{suffix}"
    assert client.get(url).headers["Location"].endswith(login_url(url))
    assert client_for(app, learner_in(ce_course)).get(url).status_code == 403
    assert client_for(app, make_user(Role.ADMIN)).get(url).status_code == 200
    missing = client_for(app, make_user(Role.ADMIN)).get(
        f"/admin/courses/nope/item-analysis{suffix}"
    )
    assert missing.status_code == 404
