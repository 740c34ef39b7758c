"""Make the printable resources for modules 3 and 4 of "From Pull-Out to Push-In".

    python scripts/make_course_resources_b.py

Writes, under content/from-pull-out-to-push-in/resources/:

- weekly-push-in-schedule-template.pdf  (two pages: the weekly grid; routines and workload)
- classroom-activity-analysis-worksheet.pdf  (two pages: observe; analyze and plan)

Kept as code so the PDFs can be regenerated and reviewed in a diff. The creation date is
fixed so reruns produce the same bytes.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from fpdf import FPDF

COURSE = Path(__file__).resolve().parent.parent / "content/from-pull-out-to-push-in"
RESOURCES = COURSE / "resources"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
INK, NAVY, RULE, MUTED = (26, 32, 44), (22, 61, 99), (150, 156, 166), (84, 93, 108)
FOOTER = ("From Pull-Out to Push-In: Integrated Occupational Therapy in Schools"
          "  ·  free to copy for use with your team")
AUTHOR = "Jordan Ellis, OTD, OTR/L (fictional course instructor)"
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


class Sheet(FPDF):
    """A letter-size page with the course footer and page number on every page."""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 5, FOOTER)
        self.cell(0, 5, f"page {self.page_no()} of {{nb}}", align="R")


def new_pdf(title: str, orientation: str = "P") -> Sheet:
    pdf = Sheet(orientation=orientation, format="letter")
    pdf.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    pdf.set_title(title)
    pdf.set_author(AUTHOR)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(14, 12, 14)
    pdf.set_auto_page_break(True, margin=16)
    return pdf


def title(pdf: FPDF, text: str, intro: str) -> None:
    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 4.6, intro, align="L", new_x="LMARGIN", new_y="NEXT")


def heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def note(pdf: FPDF, text: str) -> None:
    pdf.set_font("DejaVu", "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4.2, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def fields(pdf: FPDF, labels: tuple[str, ...], label_width: float = 52) -> None:
    """Labels with ruled lines to write on, two per row when the page is wide enough."""
    pdf.set_font("DejaVu", "", 9.5)
    pdf.set_draw_color(*RULE)
    for label in labels:
        pdf.cell(0, 8, label + ":", new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y() - 1.5
        pdf.line(pdf.l_margin + label_width, y, pdf.w - pdf.r_margin, y)


def table(pdf: FPDF, widths: tuple[float, ...], header: tuple[str, ...],
          rows: list[tuple[str, ...]], line_height: float = 5.5) -> None:
    pdf.set_draw_color(*RULE)
    pdf.set_font("DejaVu", "", 8.5)
    with pdf.table(col_widths=widths, line_height=line_height, first_row_as_headings=True,
                   text_align="LEFT") as grid:
        head = grid.row()
        for text in header:
            head.cell(text)
        for values in rows:
            row = grid.row()
            for text in values:
                row.cell(text)


# --- weekly push-in schedule template ---------------------------------------------------

def schedule_template() -> Path:
    pdf = new_pdf("Weekly push-in schedule template", orientation="L")
    pdf.alias_nb_pages()
    pdf.add_page()
    title(pdf, "Weekly push-in schedule",
          "Fill in the fixed points first (lunch, recess, specials, assessments, travel), then "
          "place each session during the classroom routine where the student's goal lives. Use "
          "the building's bell times for the blocks. Write in pencil: expect to rebuild after the "
          "first month and at each grading period.")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(120, 7, "School(s): ____________________________________________")
    pdf.cell(0, 7, "Week of: ____________________   Therapist: ______________________",
             new_x="LMARGIN", new_y="NEXT")
    note(pdf, "In each block write: room, routine (e.g. writing block, centers, lunch), students, "
              "and a type letter.   P = push-in   O = pull-out   C = consultation or observation"
              "   T = travel   M = meeting   D = documentation or materials   F = floating makeup")
    pdf.ln(1)
    widths = (26, 48, 48, 48, 48, 48)
    rows = [("Time\n \n ", "", "", "", "", "") for _ in range(10)]
    table(pdf, widths, ("Block / time", *DAYS), rows, line_height=4.5)
    pdf.ln(1)
    note(
        pdf,
        "Check: every push-in block matches a goal's routine; no block falls in a whole-class "
        "lecture, a test or an assembly unless planned; at least one F block; travel and "
        "documentation have their own blocks.",
    )

    pdf.add_page()
    title(pdf, "Routines, IEP minutes and workload",
          "Page 2 holds the thinking behind the grid: which routine each student's goals belong "
          "to, what the IEP promises, and what the week really costs in time.")
    heading(pdf, "1. Match each student to a routine")
    rows = [("", "", "", "", "", "") for _ in range(8)]
    table(pdf, (34, 40, 58, 40, 42, 38),
          ("Student (initials)", "Classroom / teacher", "Goal (short form)",
           "Routine where it shows up", "IEP: minutes, frequency, setting", "Model this term"),
          rows, line_height=6.2)
    heading(pdf, "2. One typical week's workload")
    note(pdf, "Minutes per week for each recurring task. Compare the total with your contracted "
              "hours x 60. Keep this for the conversation with your administrator.")
    tasks = ("Direct sessions (push-in and pull-out, from IEPs)",
             "Consultation promised in IEPs", "Evaluations and re-evaluations (testing, "
             "observing, scoring, writing)", "IEP and team meetings",
             "Travel between buildings", "Training and coaching staff",
             "Making and adapting materials", "Documentation and service logs",
             "Setup, cleanup and makeup sessions")
    rows = [(task, "", "") for task in tasks]
    rows.append(("TOTAL minutes per week  /  contracted minutes per week", "", ""))
    table(pdf, (150, 50, 52), ("Task", "Minutes per week", "Notes"), rows, line_height=5.6)
    out = RESOURCES / "weekly-push-in-schedule-template.pdf"
    pdf.output(str(out))
    return out


# --- classroom activity analysis worksheet ----------------------------------------------

def activity_worksheet() -> Path:
    pdf = new_pdf("Classroom activity analysis worksheet")
    pdf.alias_nb_pages()
    pdf.add_page()
    title(pdf, "Classroom activity analysis",
          "One routine, observed as the student really meets it. Watch from the instruction to "
          "the moment the work is handed in, time two or three typical peers, and write what you "
          "see rather than a label (\"looked up each time the door opened, 6 times in 10 "
          "minutes\", not \"distractible\").")
    heading(pdf, "1. The routine")
    fields(pdf, ("Student (initials) and grade", "Classroom / teacher / adults present",
                 "Routine and date observed", "Goal this routine relates to"), label_width=66)
    heading(pdf, "2. Steps, demands and what you saw")
    note(pdf, "Demands to consider: motor (grasp, strength, coordination), process (starting, "
              "sequencing, organizing), sensory (noise, movement, touch, visual clutter), "
              "cognitive (instructions, ideas, spelling), social (peers, sharing), time.")
    pdf.ln(1)
    rows = [(f"{n}.", "", "", "", "") for n in range(1, 8)]
    table(pdf, (8, 48, 50, 48, 34),
          ("", "Step of the routine", "Main demands", "What the student did",
           "Time: student / peers"), rows, line_height=11)
    heading(pdf, "3. The point of breakdown")
    fields(pdf, ("Where it breaks down", "Most likely reason", "What already helps"),
           label_width=48)

    pdf.add_page()
    heading(pdf, "4. Four places to make a change")
    note(pdf, "Write one idea in each row, then circle the one to try first. Changes to the task, "
              "materials and environment help today; skill practice targets the breakdown.")
    rows = [("The task (shorten, break into steps, change how the answer is given)\n ", ""),
            ("The materials (paper, lines, boxes, tools, word bank, slant board)\n ", ""),
            ("The environment or position (seat, furniture fit, light, noise)\n \n ", ""),
            ("The student's skill (practice aimed at the breakdown; where and when)\n ", "")]
    table(pdf, (92, 96), ("Where", "Idea"), rows, line_height=5.5)
    heading(pdf, "5. Agreed with the teacher")
    fields(pdf, ("One change we will try", "Who does what (teacher, aide, OT)",
                 "How we will know it worked", "Data (tally, timing, work sample)",
                 "Check date"), label_width=66)
    heading(pdf, "6. Grading and fading")
    fields(pdf, ("Support to fade next", "What we look for before fading"), label_width=66)
    heading(pdf, "7. Result at the check")
    fields(pdf, ("What changed", "Keep, adjust or stop", "Next routine to analyze"),
           label_width=66)
    pdf.ln(2)
    note(pdf, "Keep one dated page per routine where the team can find it, following your "
              "district's rules on student records and privacy.")
    out = RESOURCES / "classroom-activity-analysis-worksheet.pdf"
    pdf.output(str(out))
    return out


def main() -> None:
    RESOURCES.mkdir(parents=True, exist_ok=True)
    for build in (schedule_template, activity_worksheet):
        out = build()
        print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
