"""Make the printable resources for modules 5-6 of "From Pull-Out to Push-In".

    python scripts/make_course_resources_c.py

Writes three PDFs into content/from-pull-out-to-push-in/resources/:

- teacher-collaboration-log.pdf  (two pages: contact log and strategies handed over)
- consultation-checklist.pdf     (one page: before, during, after, documentation)
- one-month-action-plan.pdf      (two pages: focus, four weeks, barriers, measures)

Kept as code so the files can be regenerated and reviewed in a diff. The creation date is
fixed so reruns produce the same bytes.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from fpdf import FPDF

COURSE = Path(__file__).resolve().parent.parent / "content/from-pull-out-to-push-in"
OUT_DIR = COURSE / "resources"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
INK, NAVY, RULE, MUTED = (26, 32, 44), (22, 61, 99), (150, 156, 166), (84, 93, 108)
FOOTER = "From Pull-Out to Push-In (course resource)  ·  free to copy for use with your team"


class Sheet(FPDF):
    """Letter page, DejaVu fonts, a footer with the course name and page number."""

    def __init__(self, title: str) -> None:
        super().__init__(format="letter")
        self.doc_title = title
        self.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
        self.set_title(title)
        self.set_author("From Pull-Out to Push-In (course resource)")
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(16, 14, 16)
        self.set_auto_page_break(True, margin=16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 5, FOOTER)
        self.cell(0, 5, f"{self.doc_title}, page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(*INK)

    def title_block(self, title: str, intro: str) -> None:
        self.set_font("DejaVu", "B", 17)
        self.set_text_color(*NAVY)
        self.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 9.5)
        self.set_text_color(*INK)
        self.multi_cell(0, 4.8, intro, align="L", new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        self.ln(2.5)
        self.set_font("DejaVu", "B", 11.5)
        self.set_text_color(*NAVY)
        self.cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)

    def blank_line(self, label: str, label_width: float = 52, height: float = 8.5) -> None:
        """A label and a ruled line to write on."""
        self.set_font("DejaVu", "", 9.5)
        self.cell(0, height, label + ":", new_x="LMARGIN", new_y="NEXT")
        y = self.get_y() - 1.5
        self.set_draw_color(*RULE)
        self.line(self.l_margin + label_width, y, self.w - self.r_margin, y)

    def ruled_lines(self, count: int, height: float = 7.5) -> None:
        self.set_draw_color(*RULE)
        for _ in range(count):
            self.ln(height)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def checklist(self, items: list[str]) -> None:
        """Items with an empty box to tick."""
        self.set_font("DejaVu", "", 9.3)
        self.set_draw_color(*INK)
        for item in items:
            x, y = self.l_margin, self.get_y()
            self.rect(x + 1, y + 1.2, 3.4, 3.4)
            self.set_x(x + 7)
            self.multi_cell(0, 5.3, item, align="L", new_x="LMARGIN", new_y="NEXT")
            self.ln(0.6)

    def grid(self, headers: tuple[str, ...], widths: tuple[float, ...], rows: int,
             row_text: str = "\n\n", first_col: list[str] | None = None) -> None:
        """A table with a header row and empty rows to fill in by hand."""
        self.set_font("DejaVu", "B", 8.8)
        self.set_draw_color(*RULE)
        with self.table(col_widths=widths, line_height=5.2, first_row_as_headings=True,
                        text_align="LEFT") as table:
            header = table.row()
            for title in headers:
                header.cell(title)
            self.set_font("DejaVu", "", 8.8)
            for index in range(rows):
                row = table.row()
                for col in range(len(headers)):
                    if col == 0 and first_col:
                        row.cell(first_col[index])
                    else:
                        row.cell(row_text)

    def save(self, name: str) -> None:
        path = OUT_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        self.output(str(path))
        print(f"wrote {path} ({path.stat().st_size // 1024} KB, {self.pages_count} page(s))")


def collaboration_log() -> None:
    pdf = Sheet("Teacher collaboration log")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.title_block(
        "Teacher collaboration log",
        "One log per student and classroom. Record every contact with classroom staff on the "
        "student's behalf: quick check-ins at the door, planned consultations, notes and "
        "messages. Keep entries short and factual, write them the same day, and copy the "
        "time into your service log if your district counts it as consultation.")
    pdf.heading("Student and team")
    for label in ("Student (initials) and grade", "Teacher and classroom",
                  "Aide(s) and other staff", "IEP goal(s) occupational therapy supports",
                  "Preferred way to communicate"):
        pdf.blank_line(label, label_width=80)
    pdf.heading("Contacts")
    pdf.grid(("Date and time", "With whom", "Type", "What we discussed or observed",
              "Agreed next step (who, by when)"),
             (24, 26, 26, 50, 52), rows=7, row_text="\n\n\n")
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4.2, "Type: D-C = direct service in class, D-S = direct in a separate "
                   "setting, C = consultation, Q = quick check-in, N = note or message.",
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.add_page()
    pdf.heading("Contacts (continued)")
    pdf.grid(("Date and time", "With whom", "Type", "What we discussed or observed",
              "Agreed next step (who, by when)"),
             (24, 26, 26, 50, 52), rows=6, row_text="\n\n\n")
    pdf.heading("Strategies handed over")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 4.6, "Coaching cycle: 1 model it in the real routine, 2 the adult tries "
                   "it while you watch, 3 step back and check in. Tick each step when done.",
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.grid(("Strategy (one sentence)", "Routine", "Who was trained", "1", "2", "3",
              "Check-in date", "In use? (notes)"),
             (46, 22, 24, 8, 8, 8, 22, 40), rows=5, row_text="\n\n\n")
    pdf.save("teacher-collaboration-log.pdf")


def consultation_checklist() -> None:
    pdf = Sheet("Consultation checklist")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.title_block(
        "Consultation checklist",
        "For a planned consultation with a teacher, aide or other staff member on behalf of a "
        "student. Fifteen focused minutes are usually enough. Check your district's rules on "
        "what counts as consultation time and how it is recorded.")
    pdf.blank_line("Student (initials), date, with whom", label_width=70)
    pdf.heading("Before")
    pdf.checklist([
        "I know the IEP goal(s) and how consultation is written in the service statement.",
        "I have looked at recent work samples or my classroom notes.",
        "I know which routine we will talk about and what the adult finds hardest.",
        "I have agreed a time and length that suits the teacher or aide.",
    ])
    pdf.heading("During")
    pdf.checklist([
        "I started by asking what is going well and what is hardest right now.",
        "We looked at data together: work samples, tallies, timings, staff notes.",
        "We reviewed strategies already in place (tools, seating, checklists, breaks): "
        "used how often, helping or not?",
        "We agreed on at most one or two changes, each describable in one sentence.",
        "We agreed who does what, by when, and how it will be tracked.",
        "Anything that needs my clinical judgment or an IEP team decision was named as such.",
    ])
    pdf.heading("After")
    pdf.checklist([
        "I made or delivered any material or tool I promised.",
        "I put the follow-up date in my calendar and told the adult when I will check in.",
        "If a change to the type, amount or location of services may be needed, I told the "
        "case manager.",
    ])
    pdf.heading("Documentation (the same day)")
    pdf.checklist([
        "Date, actual start and end time, and that this was consultation.",
        "Who took part, the topic, and the data shared.",
        "What was recommended or changed, who is responsible, and the follow-up date.",
    ])
    pdf.heading("Notes")
    pdf.ruled_lines(3)
    pdf.save("consultation-checklist.pdf")


def action_plan() -> None:
    pdf = Sheet("One-month action plan")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.title_block(
        "One-month action plan",
        "A plan for moving one or two students' services toward the classroom over the next "
        "four weeks. Keep it small enough to finish, and specific enough to check at the end.")
    pdf.blank_line("Month and building(s)", label_width=60)
    pdf.heading("1. Look at your caseload")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 4.6, "Whose goals live in a classroom routine? Which teachers are open to "
                   "a trial? Whose IEP review is coming up? Look for students on two or three "
                   "of these lists.", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ruled_lines(2)
    pdf.heading("2. Your focus")
    pdf.grid(("", "Student (initials), grade", "Routine, day and time", "Teacher / aide",
              "Why this student and routine (one sentence)"),
             (14, 34, 36, 32, 62), rows=2, first_col=["1", "2"])
    pdf.heading("3. Week by week")
    pdf.grid(("Week", "Purpose", "My actions (what, with whom, when)", "Done"),
             (16, 46, 102, 14), rows=4, row_text="\n\n\n",
             first_col=["1", "2", "3", "4"])
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4.2, "Purposes: week 1 talk with teachers and observe (baseline); week 2 "
                   "first push-in visits; week 3 hand over one strategy (model, they try, step "
                   "back); week 4 review against the baseline and decide.",
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.add_page()
    pdf.heading("4. Barriers I expect, and my response")
    pdf.grid(("Likely barrier", "What I will do if it happens"), (70, 108), rows=3,
             row_text="\n\n\n")
    pdf.heading("5. How I will know it worked")
    pdf.grid(("Measure", "Baseline (week 1)", "End of month (week 4)"), (78, 50, 50), rows=3,
             first_col=["Student: participation or work in the routine\n(e.g. amount "
                        "completed, reminders, time on task)",
                        "Staff: strategy used between visits\n(days used out of days "
                        "possible)",
                        "Me: share of my direct time in classrooms\nand other natural "
                        "settings"])
    pdf.heading("6. At the end of the month")
    for label in ("Continue, adjust or stop, and why", "What I will add next month",
                  "Three lines for my administrator"):
        pdf.blank_line(label, label_width=72)
        pdf.ruled_lines(1)
    pdf.heading("7. Small wins this month")
    pdf.ruled_lines(4)
    pdf.save("one-month-action-plan.pdf")


if __name__ == "__main__":
    collaboration_log()
    consultation_checklist()
    action_plan()
