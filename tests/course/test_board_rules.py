"""Board rules as data: the arithmetic of each row, and the certificate and roster reading it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm.attributes import flag_modified

from campus.accounts.models import Role
from campus.extensions import db
from course.board_rules import BOARDS, board_totals
from course.ce_rules import ceus
from course.certificates.pdf import certificate_pdf
from tests.course.test_ce_content import _edit, _problems, ce_copy  # noqa: F401 (fixture)
from tests.course.test_ce_status import pdftotext
from tests.factories import import_ce_course, make_certified, make_user
from tests.helpers import login


@pytest.mark.parametrize(
    ("board", "minutes", "hours"),
    [
        ("aota", 405, 6.75),  # 60-minute hours
        ("nc", 405, 6.75),
        ("fl", 405, 8.1),  # 50-minute hours: the same course is 8.1 hours in Florida
        ("fl", 50, 1.0),
        ("aota", 50, 0.83),
    ],
)
def test_hours_follow_each_boards_minute(board, minutes, hours):
    assert BOARDS[board].hours(minutes) == hours


def test_aota_ceus_are_hours_over_ten():
    assert BOARDS["aota"].units(405, scored_assessment=True) == 0.675
    assert ceus(6.75) == 0.675 and ceus(6.65) == 0.665


def test_nbcot_pdus_are_125_per_hour_only_with_a_scored_assessment():
    assert BOARDS["nbcot"].units(405, scored_assessment=True) == 8.4375
    assert BOARDS["nbcot"].units(405, scored_assessment=False) == 6.75
    assert BOARDS["nbcot"].units(399, scored_assessment=True) == 8.3125  # the first course


def test_every_row_cites_its_source():
    for rule in BOARDS.values():
        assert rule.source.strip(), rule.key
        assert rule.minutes_per_hour in (50, 60)


def test_board_totals_leave_out_boards_where_self_study_does_not_count(monkeypatch):
    from dataclasses import replace

    monkeypatch.setitem(BOARDS, "nc", replace(BOARDS["nc"], self_study=False))
    totals = board_totals({"boards": ["aota", "nc", "fl"]}, 405, scored_assessment=True)
    assert [t["board"] for t in totals] == ["aota", "fl"]


def _course(**ce):
    course = import_ce_course()
    course.ce = {**course.ce, **ce}
    flag_modified(course, "ce")
    db.session.commit()
    return course


def test_the_certificate_prints_the_totals_per_the_courses_boards(app, tmp_path):
    certificate = make_certified(make_user(), _course(boards=["aota", "nbcot", "fl"]))
    text = pdftotext(certificate_pdf(certificate), tmp_path)[0]
    assert "Credit by board" in text
    assert "AOTA: 0.675 AOTA CEUs" in text
    assert "NBCOT: 8.4375 PDUs" in text
    assert "FL: 8.1 h (50-min hours)" in text


def test_a_sample_prints_no_board_totals(app, tmp_path):
    certificate = make_certified(make_user(), _course(status="draft"))
    text = pdftotext(certificate_pdf(certificate), tmp_path)[0]
    assert "Credit by board" not in text and "PDUs" not in text
    assert "board_totals" not in certificate.snapshot


def test_the_roster_carries_the_board_units(client, app):
    course = _course()
    make_certified(make_user(), course)
    login(client, make_user(Role.ADMIN))
    roster = client.get(f"/admin/courses/{course.slug}/certificates/roster.csv").get_data(
        as_text=True
    )
    assert "board_units" in roster.splitlines()[0]
    assert "aota=0.675 AOTA CEUs; nbcot=8.4375 PDUs" in roster


def test_validate_names_an_unknown_board(ce_copy):  # noqa: F811
    _edit(ce_copy / "course.yml", "  status: approved", "  status: approved\n  boards: [aota, xx]")
    assert "ce.boards: 'xx' is not a board" in "\n".join(_problems(ce_copy))


def test_an_approved_course_needs_each_boards_certificate_fields(ce_copy):  # noqa: F811
    _edit(ce_copy / "course.yml", '  approval_id: "ACT-0042"\n', "")
    _edit(ce_copy / "course.yml", "  print_approval_id: true\n", "")
    assert "ce.approval_id is required" in "\n".join(_problems(ce_copy))
