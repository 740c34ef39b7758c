"""Make the demo course's one-page push-in planning worksheet (a printable PDF).

    .venv/bin/python content/demo-push-in-basics/build/worksheet.py

Writes content/demo-push-in-basics/resources/push-in-planning-worksheet.pdf. Kept as code
rather than a hand-made file so the PDF can be regenerated and reviewed in a diff; the page
furniture comes from scripts/handout_pdf.py and the creation date is fixed, so reruns produce
the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

COURSE = Path(__file__).resolve().parents[1]
OUTPUT = COURSE / "resources/push-in-planning-worksheet.pdf"
# The shared handout helper is platform tooling in the repository's scripts/ folder.
sys.path.insert(0, str(COURSE.parents[1] / "scripts"))
from handout_pdf import Handout, HandoutStyle  # noqa: E402

STYLE = HandoutStyle(
    author="Demo Instructor, OTR/L",
    footer="Push-In Basics: a short demo course  ·  free to copy for use with your team",
    footer_size=8,
    footer_y=-14,
    margins=(18, 16, 18),
    title_size=18,
    title_height=10,
    intro_height=5,
    heading_space=3,
    heading_size=12,
    heading_height=7,
    field_size=10,
    field_height=9,
    field_start=62,
)
FIELDS = ("Student (initials)", "Teacher / classroom", "Goal this visit supports")
ROUTINE_FIELDS = ("Classroom routine", "Day and time of visit")
ROLES = ("Before the visit", "During the visit", "After the visit")
PEOPLE = ("OT", "Teacher", "Aide / other")
SUPPORTS = ("Tool or material to try", "Change to seating or space", "Change to the task")


def build() -> Path:
    pdf = Handout("Push-in planning worksheet", STYLE)
    pdf.add_page()
    pdf.title_block(
        "Push-in planning worksheet",
        "Fill this in with the classroom teacher before the first visit, keep it where both of "
        "you can find it, and review it together at each visit. One page per student and "
        "routine, such as a writing block, centers or lunch.",
    )
    pdf.heading("1. Student and goal")
    for label in FIELDS:
        pdf.field(label)
    pdf.heading("2. Routine and timing")
    for label in ROUTINE_FIELDS:
        pdf.field(label)
    pdf.heading("3. Supports to try")
    for label in SUPPORTS:
        pdf.field(label)
    pdf.heading("4. Who does what")
    # Who does what, before, during and after: the part teams most often skip.
    pdf.grid(
        (34, 52, 52, 52),
        ("", *PEOPLE),
        [(when, *["\n\n"] * len(PEOPLE)) for when in ROLES],
        line_height=7,
        size=10,
        row_font="B",
    )
    pdf.heading("5. How did it go?")
    for label in ("What worked", "What to try next time", "Strategy left with staff"):
        pdf.field(label)
    return pdf.save(OUTPUT)


if __name__ == "__main__":
    build()
