"""Numbered pages for staff lists: which page to show, and the numbers a pager links to."""

from __future__ import annotations


def clamp_page(requested: int, total: int, size: int) -> tuple[int, int]:
    """(page, pages): at least one page, and a page past the last shows the last (after a
    row leaves the list, the page a form came back to may be gone)."""
    pages = max((total + size - 1) // size, 1)
    return min(max(requested, 1), pages), pages


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The first, the last and two either side of this page; None marks a gap, so 200
    pages show as 1 ... 48 49 50 51 52 ... 200."""
    near = range(max(page - 2, 1), min(page + 2, pages) + 1)
    numbers: list[int | None] = []
    for number in sorted({1, pages, *near}):
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


class PageWindow:
    """What a pager and its "Showing 51-100 of 240" read of a page of a list: mixed into a
    page's dataclass, which gives `page`, `pages`, `per_page` and `shown` (rows on it)."""

    page: int
    pages: int

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.shown else 0

    @property
    def last_shown(self) -> int:
        return self.first_shown + self.shown - 1 if self.shown else 0

    @property
    def page_numbers(self) -> list[int | None]:
        return page_numbers(self.page, self.pages)
