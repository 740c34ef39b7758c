"""The shared page furniture for printable course handouts (letter-size PDFs made with fpdf2).

A course's own build code (content/<slug>/build/) describes each handout's words and tables;
this module holds what every handout has in common: the DejaVu fonts, the colours, the title
block, headings, ruled lines to write on, notes, tick boxes, tables to fill in by hand and the
footer with the page number. Each course picks its sizes and byline once, in a HandoutStyle.

The creation date is fixed, so rebuilding an unchanged handout writes the same bytes and a
changed one shows up in `git status`. The build scripts add this folder to sys.path, so they
run from a fresh clone as `.venv/bin/python content/<slug>/build/<file>.py`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # apt: fonts-dejavu-core
FONT = "DejaVu"
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

Color = tuple[int, int, int]
INK: Color = (26, 32, 44)
NAVY: Color = (22, 61, 99)
RULE: Color = (150, 156, 166)
MUTED: Color = (84, 93, 108)


@dataclass(frozen=True)
class HandoutStyle:
    """A family of handouts: byline, footer, margins and type sizes (points; lengths in mm).

    In the footer texts, {page} becomes the page number, {title} the handout's title and {nb}
    the number of pages.
    """

    author: str
    footer: str  # at the left, or centred when footer_align is "C"
    footer_right: str = ""
    footer_align: str = "L"
    footer_size: float = 7.5
    footer_color: Color = MUTED
    footer_y: float = -12  # from the bottom edge
    margins: tuple[float, float, float] = (16, 14, 16)  # left, top, right
    bottom_margin: float = 16  # where a page breaks
    title_size: float = 17
    title_height: float = 9
    intro_size: float = 9.5
    intro_height: float = 4.8
    heading_space: float = 2.5
    heading_size: float = 11.5
    heading_height: float = 6.5
    field_size: float = 9.5
    field_height: float = 8
    field_start: float = 52  # where the ruled line starts, from the left margin
    note_size: float = 8.5
    note_height: float = 4.2


class Handout(FPDF):
    """A letter-size handout in a HandoutStyle; the methods draw one block each, top to bottom."""

    def __init__(self, title: str, style: HandoutStyle, orientation: str = "P") -> None:
        super().__init__(orientation=orientation, format="letter")
        self.doc_title = title
        self.handout_style = style
        self.set_creation_date(CREATED)
        self.set_title(title)
        self.set_author(style.author)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(*style.margins)
        self.set_auto_page_break(True, margin=style.bottom_margin)

    def footer(self) -> None:
        style = self.handout_style
        self.set_y(style.footer_y)
        self.set_font(FONT, "", style.footer_size)
        self.set_text_color(*style.footer_color)
        self.cell(0, 5, self._fill_in(style.footer), align=style.footer_align)
        if style.footer_right:
            self.cell(0, 5, self._fill_in(style.footer_right), align="R")

    def _fill_in(self, text: str) -> str:
        # {nb} is left for fpdf2, which knows the page count only when the file is written.
        return text.replace("{page}", str(self.page_no())).replace("{title}", self.doc_title)

    def title_block(self, title: str, intro: str) -> None:
        style = self.handout_style
        self.set_font(FONT, "B", style.title_size)
        self.set_text_color(*NAVY)
        self.cell(0, style.title_height, title, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.paragraph(intro, size=style.intro_size, height=style.intro_height)

    def heading(self, text: str) -> None:
        style = self.handout_style
        self.ln(style.heading_space)
        self.set_font(FONT, "B", style.heading_size)
        self.set_text_color(*NAVY)
        self.cell(0, style.heading_height, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)

    def paragraph(self, text: str, size: float = 9, height: float = 4.6) -> None:
        self.set_font(FONT, "", size)
        self.multi_cell(0, height, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def note(self, text: str) -> None:
        """A small grey paragraph: a key to the letters in a table, a tip, a reminder."""
        self.set_text_color(*MUTED)
        self.paragraph(
            text, size=self.handout_style.note_size, height=self.handout_style.note_height
        )
        self.set_text_color(*INK)

    def field(self, label: str, start: float | None = None) -> None:
        """A label and a ruled line to write on, never starting under the label."""
        style = self.handout_style
        self.set_font(FONT, "", style.field_size)
        self.cell(0, style.field_height, label + ":", new_x="LMARGIN", new_y="NEXT")
        y = self.get_y() - 1.5
        self.set_draw_color(*RULE)
        start = max(
            style.field_start if start is None else start, self.get_string_width(label + ":") + 3
        )
        self.line(self.l_margin + start, y, self.w - self.r_margin, y)

    def ruled_lines(self, count: int, height: float = 7.5) -> None:
        """Lines across the page to write on."""
        self.set_draw_color(*RULE)
        for _ in range(count):
            self.ln(height)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def checklist(self, items: list[str]) -> None:
        """Items with an empty box to tick."""
        self.set_font(FONT, "", 9.3)
        self.set_draw_color(*INK)
        for item in items:
            x, y = self.l_margin, self.get_y()
            self.rect(x + 1, y + 1.2, 3.4, 3.4)
            self.set_x(x + 7)
            self.multi_cell(0, 5.3, item, align="L", new_x="LMARGIN", new_y="NEXT")
            self.ln(0.6)

    def grid(
        self,
        widths: tuple[float, ...],
        header: tuple[str, ...] | None,
        rows: list[tuple[str, ...]],
        *,
        line_height: float,
        size: float = 8.8,
        header_size: float | None = None,
        header_font: str = "B",
        row_font: str = "",
        align: str = "LEFT",
    ) -> None:
        """A table to fill in by hand: an optional header row, then the rows as given.

        header_font and header_size (default: size) are the font set before the table, which
        its header row starts from (fpdf2 draws headings bold); row_font and size are the font
        of the other rows.
        """
        self.set_draw_color(*RULE)
        if header is not None:
            self.set_font(FONT, header_font, header_size or size)
        with self.table(
            col_widths=widths,
            line_height=line_height,
            text_align=align,
            first_row_as_headings=header is not None,
        ) as table:
            if header is not None:
                head = table.row()
                for text in header:
                    head.cell(text)
            self.set_font(FONT, row_font, size)
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(text)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.output(str(path))
        print(f"wrote {path} ({path.stat().st_size // 1024} KB, {self.pages_count} page(s))")
        return path
