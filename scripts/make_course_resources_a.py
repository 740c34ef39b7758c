"""Make the printable resources for modules 1-2 of "From Pull-Out to Push-In".

    python scripts/make_course_resources_a.py

Writes two PDFs into content/from-pull-out-to-push-in/resources/:

- service-model-decision-guide.pdf (two pages): questions for choosing and blending push-in,
  pull-out and consultation for one student, and a blended weekly plan to fill in.
- staff-program-guide.pdf (one page): a template for a strategy that a paraprofessional or
  teacher carries out between therapy visits.

Kept as code so the PDFs can be regenerated and reviewed in a diff; the creation date is fixed
so reruns produce the same bytes.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from fpdf import FPDF

COURSE = Path(__file__).resolve().parent.parent / "content/from-pull-out-to-push-in"
RESOURCES = COURSE / "resources"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
INK, NAVY, RULE, SHADE = (26, 32, 44), (22, 61, 99), (150, 156, 166), (234, 239, 245)
FOOTER = "From Pull-Out to Push-In: Integrated Occupational Therapy in Schools"


class Sheet(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(70, 76, 88)
        self.cell(0, 5, f"{FOOTER}  |  page {self.page_no()} of {{nb}}", align="C")


def new_pdf(title: str) -> Sheet:
    pdf = Sheet(format="letter")
    pdf.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    pdf.set_title(title)
    pdf.set_author("Jordan Ellis, OTD, OTR/L (fictional course instructor)")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 15, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages()
    return pdf


def title(pdf: FPDF, text: str, intro: str) -> None:
    pdf.set_font("DejaVu", "B", 17)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 4.8, intro, align="L", new_x="LMARGIN", new_y="NEXT")


def heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2.5)
    pdf.set_font("DejaVu", "B", 11.5)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def blank_line(pdf: FPDF, label: str, indent: float = 58, height: float = 8) -> None:
    pdf.set_font("DejaVu", "", 9.5)
    pdf.cell(0, height, label + ":", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() - 1.5
    pdf.set_draw_color(*RULE)
    start = max(indent, pdf.get_string_width(label + ":") + 3)  # never under the label
    pdf.line(pdf.l_margin + start, y, pdf.w - pdf.r_margin, y)


def question_table(pdf: FPDF, rows: list[tuple[str, str]], widths=(64, 116)) -> None:
    """A question with its hint on the left, room to write on the right."""
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=widths, line_height=4.6, text_align="LEFT",
                   first_row_as_headings=False) as table:
        for question, hint in rows:
            row = table.row()
            pdf.set_font("DejaVu", "", 8.8)
            row.cell(f"{question}\n{hint}")
            row.cell("")


def decision_guide() -> None:
    pdf = new_pdf("Choosing a service model: a decision guide")
    pdf.add_page()
    title(pdf, "Choosing a service model: a decision guide",
          "For one student and one IEP goal at a time. Start from integrated (push-in) services as "
          "the usual first choice, use pull-out on purpose for a student-based reason, and add "
          "consultation so the strategy lives on between visits. Fill it in before an IEP "
          "meeting or a progress review, ideally with the teacher.")
    heading(pdf, "1. Student and goal")
    for label in ("Student (initials) and grade", "Goal, in classroom language",
                  "Teacher and other adults involved"):
        blank_line(pdf, label)
    heading(pdf, "2. Where does the goal live?")
    question_table(pdf, [
        ("Routine and setting", "Writing block, centers, lunch, recess, PE, arrival, dismissal, "
         "hallway, bathroom ..."),
        ("When does it happen?", "Days and times; ask the teacher, not the posted schedule."),
        ("What does the task demand there?", "Materials, noise, time limit, peers, seating, "
         "academic load."),
    ])
    heading(pdf, "3. Stage of learning")
    pdf.set_font("DejaVu", "", 9.5)
    stages = (
        "[ ]  New skill or new tool: may need some focused teaching, then quick use in class",
        "[ ]  Practice: belongs in context, in the real routine with real materials",
        "[ ]  Maintenance: adults carry the strategy; the therapist monitors (consultation)",
    )
    for line in stages:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    heading(pdf, "4. Is there a student-based reason to work outside the classroom?")
    pdf.set_font("DejaVu", "", 9.5)
    for line in ("[ ]  Foundational skill far below the class task (for a limited time)",
                 "[ ]  Equipment or space the classroom cannot offer",
                 "[ ]  The intervention would disrupt the class or the teacher's instruction",
                 "[ ]  Privacy and dignity (self-care, an older student's preference)",
                 "[ ]  Introducing a new device or routine (a few sessions, then class use)",
                 "[ ]  None of these: plan integrated services and consultation"):
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(0, 4.8, "Not reasons on their own: it fits my schedule; we have always done it "
                   "this way; grouping students from several classes only to fit the minutes; "
                   "the teacher would like a break.", new_x="LMARGIN", new_y="NEXT")
    heading(pdf, "5. Could a natural setting meet that need?")
    blank_line(pdf, "Option (gym, quiet table at centers ...)")
    blank_line(pdf, "If pull-out stays: end point or review date")

    pdf.add_page()
    heading(pdf, "6. Which adults can carry the strategy between visits?")
    question_table(pdf, [
        ("Adult and role", "Teacher, paraprofessional, PE teacher, lunch staff, family ..."),
        ("What will they do, and when?", "One or two things, tied to a routine they already run."),
        ("Training and check-ins", "Model, let them try, give feedback; a one-page guide; "
         "check-in dates."),
    ])
    heading(pdf, "7. What does the student prefer?")
    blank_line(pdf, "Student's view, where appropriate")
    heading(pdf, "8. Blended weekly plan")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 4.6, "Write each service where it happens. Mark P for push-in, O for "
                   "pull-out, C for consultation, S for a staff-implemented program.",
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    pdf.set_draw_color(*RULE)
    pdf.set_font("DejaVu", "B", 9)
    with pdf.table(col_widths=(30, 30, 30, 30, 30, 30), line_height=5.5, text_align="LEFT",
                   first_row_as_headings=True) as table:
        header = table.row()
        for name in ("", *days):
            header.cell(name)
        pdf.set_font("DejaVu", "", 8.8)
        for part in ("Morning", "Midday (lunch, recess)", "Afternoon", "Dismissal"):
            row = table.row()
            row.cell(part)
            for _ in days:
                row.cell("\n\n")
    heading(pdf, "9. How will the skill show up in class? (evidence)")
    for label in ("Classroom measure", "Baseline", "Review date"):
        blank_line(pdf, label, indent=40)
    heading(pdf, "10. What goes in the IEP")
    for label in ("Direct minutes and frequency", "Consultation minutes",
                  "Location of services (honest wording)"):
        blank_line(pdf, label, indent=66)
    pdf.output(str(RESOURCES / "service-model-decision-guide.pdf"))


def staff_program_guide() -> None:
    pdf = new_pdf("Staff program guide")
    pdf.add_page()
    title(pdf, "Staff program guide",
          "One page for one strategy that a paraprofessional, teacher or other staff member "
          "carries out between therapy visits. The therapist fills it in with the adult after "
          "modeling the strategy with the student, adds a photo of each step, and reviews it at "
          "every check-in. Use plain words: no jargon.")
    heading(pdf, "Who and when")
    for label in ("Student (initials)", "Adult carrying it out", "Routine, day and time",
                  "Therapist and how to reach them"):
        blank_line(pdf, label)
    heading(pdf, "Why we are doing this (one sentence)")
    blank_line(pdf, "Purpose", indent=22)
    pdf.ln(6)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    heading(pdf, "Steps (add a photo of each)")
    pdf.set_draw_color(*RULE)
    pdf.set_font("DejaVu", "B", 9)
    with pdf.table(col_widths=(12, 108, 60), line_height=5.2, text_align="LEFT",
                   first_row_as_headings=True) as table:
        header = table.row()
        for name in ("#", "What to do", "Photo"):
            header.cell(name)
        pdf.set_font("DejaVu", "", 9)
        for number in range(1, 5):
            row = table.row()
            row.cell(str(number))
            row.cell("\n\n")
            row.cell("")
    heading(pdf, "What to watch for")
    for label in ("It is working when", "Stop or change it if", "If the student refuses"):
        blank_line(pdf, label, indent=44)
    heading(pdf, "Quick record (one mark a day: E easy, O okay, H hard; blank = not done)")
    pdf.set_font("DejaVu", "B", 9)
    with pdf.table(col_widths=(36, 28.8, 28.8, 28.8, 28.8, 28.8), line_height=5.5,
                   text_align="CENTER", first_row_as_headings=True) as table:
        header = table.row()
        for name in ("Week of", "Mon", "Tue", "Wed", "Thu", "Fri"):
            header.cell(name)
        pdf.set_font("DejaVu", "", 9)
        for _ in range(4):
            row = table.row()
            for _ in range(6):
                row.cell(" ")
    heading(pdf, "Check-ins and updates")
    for label in ("Next check-in", "Change made and why"):
        blank_line(pdf, label, indent=40)
    pdf.output(str(RESOURCES / "staff-program-guide.pdf"))


if __name__ == "__main__":
    RESOURCES.mkdir(parents=True, exist_ok=True)
    decision_guide()
    staff_program_guide()
    print("wrote", *(p.name for p in sorted(RESOURCES.glob("*.pdf"))
                     if p.stem in ("service-model-decision-guide", "staff-program-guide")))
