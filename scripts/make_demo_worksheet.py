"""Make the demo course's one-page push-in planning worksheet (a printable PDF).

    python scripts/make_demo_worksheet.py

Kept as code rather than a hand-made file so the PDF can be regenerated and reviewed in a
diff. The creation date is fixed so reruns produce the same bytes.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from fpdf import FPDF

COURSE = Path(__file__).resolve().parent.parent / "content/demo-push-in-basics"
OUTPUT = COURSE / "resources/push-in-planning-worksheet.pdf"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
INK, NAVY, RULE = (26, 32, 44), (22, 61, 99), (150, 156, 166)
FIELDS = ("Student (initials)", "Teacher / classroom", "Goal this visit supports")
ROUTINE_FIELDS = ("Classroom routine", "Day and time of visit")
ROLES = ("Before the visit", "During the visit", "After the visit")
PEOPLE = ("OT", "Teacher", "Aide / other")
SUPPORTS = ("Tool or material to try", "Change to seating or space", "Change to the task")


def heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 12)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def blank_line(pdf: FPDF, label: str, height: float = 9) -> None:
    """A label and a ruled line to write on."""
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, height, label + ":", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() - 1.5
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin + 62, y, pdf.w - pdf.r_margin, y)


def roles_table(pdf: FPDF) -> None:
    """Who does what, before, during and after: the part teams most often skip."""
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=(34, 52, 52, 52), line_height=7, first_row_as_headings=True,
                   text_align="LEFT") as table:
        header = table.row()
        for title in ("", *PEOPLE):
            header.cell(title)
        for when in ROLES:
            row = table.row()
            row.cell(when)
            for _ in PEOPLE:
                row.cell("\n\n")


def build() -> None:
    pdf = FPDF(format="letter")
    pdf.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    pdf.set_title("Push-in planning worksheet")
    pdf.set_author("Demo Instructor, OTR/L")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 10, "Push-in planning worksheet", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 5, "Fill this in with the classroom teacher before the first visit, "
                   "keep it where both of you can find it, and review it together at each visit. "
                   "One page per student and routine, such as a writing block, centers or lunch.",
                   align="L", new_x="LMARGIN", new_y="NEXT")
    heading(pdf, "1. Student and goal")
    for label in FIELDS:
        blank_line(pdf, label)
    heading(pdf, "2. Routine and timing")
    for label in ROUTINE_FIELDS:
        blank_line(pdf, label)
    heading(pdf, "3. Supports to try")
    for label in SUPPORTS:
        blank_line(pdf, label)
    heading(pdf, "4. Who does what")
    roles_table(pdf)
    heading(pdf, "5. How did it go?")
    for label in ("What worked", "What to try next time", "Strategy left with staff"):
        blank_line(pdf, label)
    pdf.set_auto_page_break(False)  # the footer sits in the bottom margin
    pdf.set_y(-14)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(84, 93, 108)
    pdf.cell(0, 5, "Push-In Basics: a short demo course  ·  free to copy for use with your team")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(OUTPUT))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KB, {pdf.pages_count} page(s))")


if __name__ == "__main__":
    build()
