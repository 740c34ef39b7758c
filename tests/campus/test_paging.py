"""Numbered pages for staff lists (campus/paging.py)."""

import pytest

from campus.paging import clamp_page, page_numbers


@pytest.mark.parametrize(
    ("requested", "total", "expected"),
    [(1, 0, (1, 1)), (3, 0, (1, 1)), (2, 10, (2, 2)), (3, 10, (2, 2)), (2, 11, (2, 3))],
)
def test_a_page_past_the_last_is_the_last(requested, total, expected):
    assert clamp_page(requested, total, 5) == expected


def test_the_pager_skips_the_middle_of_many_pages():
    assert page_numbers(50, 200) == [1, None, 48, 49, 50, 51, 52, None, 200]
    assert page_numbers(1, 200) == [1, 2, 3, None, 200]
    assert page_numbers(4, 7) == [1, 2, 3, 4, 5, 6, 7]
    assert page_numbers(1, 1) == [1]
