"""Make the printable resources of "From Pull-Out to Push-In", one function per PDF.

    .venv/bin/python content/from-pull-out-to-push-in/build/resources.py

Writes into content/from-pull-out-to-push-in/resources/:

- service-model-decision-guide.pdf (two pages): questions for choosing and blending push-in,
  pull-out and consultation for one student, and a blended weekly plan to fill in.
- staff-program-guide.pdf (one page): a template for a strategy that a paraprofessional or
  teacher carries out between therapy visits.
- weekly-push-in-schedule-template.pdf (two pages: the weekly grid; routines and workload).
- classroom-activity-analysis-worksheet.pdf (two pages: observe; analyze and plan).
- teacher-collaboration-log.pdf (two pages: contact log and strategies handed over).
- consultation-checklist.pdf (one page: before, during, after, documentation).
- one-month-action-plan.pdf (two pages: focus, four weeks, barriers, measures).
- references.pdf (one page): the sources the course relies on, each checked before it was
  cited, with one line on what it does and does not show.

Kept as code so the PDFs can be regenerated and reviewed in a diff; the page furniture comes
from scripts/handout_pdf.py and the creation date is fixed, so reruns produce the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

COURSE = Path(__file__).resolve().parents[1]
RESOURCES = COURSE / "resources"
# The shared handout helper is platform tooling in the repository's scripts/ folder.
sys.path.insert(0, str(COURSE.parents[1] / "scripts"))
from handout_pdf import FONT, Handout, HandoutStyle  # noqa: E402

COURSE_TITLE = "From Pull-Out to Push-In: Integrated Occupational Therapy in Schools"
INSTRUCTOR = "Jordan Ellis (fictional instructor persona, no credentials)"
SHORT_NAME = "From Pull-Out to Push-In (course resource)"
FREE_TO_COPY = "  ·  free to copy for use with your team"
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

# The resources were written in three looks (modules 1-2, 3-4 and 5-6), kept as they are so
# that the published PDFs do not change; making them one look would change every PDF.
GUIDE = HandoutStyle(
    author=INSTRUCTOR,
    footer=COURSE_TITLE + "  |  page {page} of {nb}",
    footer_align="C",
    footer_size=8,
    footer_color=(70, 76, 88),
    margins=(18, 15, 18),
    field_start=58,
)
WORKSHEET = HandoutStyle(
    author=INSTRUCTOR,
    footer=COURSE_TITLE + FREE_TO_COPY,
    footer_right="page {page} of {nb}",
    margins=(14, 12, 14),
    title_size=16,
    intro_size=9,
    intro_height=4.6,
    heading_space=2,
    heading_size=11,
)
FORM = HandoutStyle(
    author=SHORT_NAME,
    footer=SHORT_NAME + FREE_TO_COPY,
    footer_right="{title}, page {page}/{nb}",
    field_height=8.5,
    note_size=8,
)


def question_table(pdf: Handout, rows: list[tuple[str, str]]) -> None:
    """A question with its hint on the left, room to write on the right."""
    pdf.grid(
        (64, 116), None, [(f"{question}\n{hint}", "") for question, hint in rows], line_height=4.6
    )


def tick_lines(pdf: Handout, lines: tuple[str, ...]) -> None:
    pdf.set_font(FONT, "", 9.5)
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")


def blank_rows(
    columns: int, count: int, text: str = "\n\n", first: list[str] | None = None
) -> list[tuple[str, ...]]:
    """Rows to fill in by hand, each `text` tall; `first` fills the first column."""
    return [(first[index] if first else text, *[text] * (columns - 1)) for index in range(count)]


# --- modules 1-2 ------------------------------------------------------------------------


def service_model_decision_guide() -> Path:
    pdf = Handout("Choosing a service model: a decision guide", GUIDE)
    pdf.add_page()
    pdf.title_block(
        "Choosing a service model: a decision guide",
        "For one student and one IEP goal at a time. Start from integrated (push-in) services as "
        "the usual first choice, use pull-out on purpose for a student-based reason, and add "
        "consultation so the strategy lives on between visits. Fill it in before an IEP "
        "meeting or a progress review, ideally with the teacher.",
    )
    pdf.heading("1. Student and goal")
    for label in (
        "Student (initials) and grade",
        "Goal, in classroom language",
        "Teacher and other adults involved",
    ):
        pdf.field(label)
    pdf.heading("2. Where does the goal live?")
    question_table(
        pdf,
        [
            (
                "Routine and setting",
                "Writing block, centers, lunch, recess, PE, arrival, dismissal, "
                "hallway, bathroom ...",
            ),
            ("When does it happen?", "Days and times; ask the teacher, not the posted schedule."),
            (
                "What does the task demand there?",
                "Materials, noise, time limit, peers, seating, academic load.",
            ),
        ],
    )
    pdf.heading("3. Stage of learning")
    tick_lines(
        pdf,
        (
            "[ ]  New skill or new tool: may need some focused teaching, then quick use in class",
            "[ ]  Practice: belongs in context, in the real routine with real materials",
            "[ ]  Maintenance: adults carry the strategy; the therapist monitors (consultation)",
        ),
    )
    pdf.heading("4. Is there a student-based reason to work outside the classroom?")
    tick_lines(
        pdf,
        (
            "[ ]  Foundational skill far below the class task (for a limited time)",
            "[ ]  Equipment or space the classroom cannot offer",
            "[ ]  The intervention would disrupt the class or the teacher's instruction",
            "[ ]  Privacy and dignity (self-care, an older student's preference)",
            "[ ]  Introducing a new device or routine (a few sessions, then class use)",
            "[ ]  None of these: plan integrated services and consultation",
        ),
    )
    pdf.set_font(FONT, "B", 9)
    pdf.multi_cell(
        0,
        4.8,
        "Not reasons on their own: it fits my schedule; we have always done it "
        "this way; grouping students from several classes only to fit the minutes; "
        "the teacher would like a break.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.heading("5. Could a natural setting meet that need?")
    pdf.field("Option (gym, quiet table at centers ...)")
    pdf.field("If pull-out stays: end point or review date")

    pdf.add_page()
    pdf.heading("6. Which adults can carry the strategy between visits?")
    question_table(
        pdf,
        [
            ("Adult and role", "Teacher, paraprofessional, PE teacher, lunch staff, family ..."),
            (
                "What will they do, and when?",
                "One or two things, tied to a routine they already run.",
            ),
            (
                "Training and check-ins",
                "Model, let them try, give feedback; a one-page guide; check-in dates.",
            ),
        ],
    )
    pdf.heading("7. What does the student prefer?")
    pdf.field("Student's view, where appropriate")
    pdf.heading("8. Blended weekly plan")
    pdf.paragraph(
        "Write each service where it happens. Mark P for push-in, O for pull-out, C for "
        "consultation, S for a staff-implemented program."
    )
    pdf.ln(1)
    parts = ("Morning", "Midday (lunch, recess)", "Afternoon", "Dismissal")
    pdf.grid(
        (30, 30, 30, 30, 30, 30),
        ("", *DAYS),
        blank_rows(6, 4, first=list(parts)),
        line_height=5.5,
        header_size=9,
    )
    pdf.heading("9. How will the skill show up in class? (evidence)")
    for label in ("Classroom measure", "Baseline", "Review date"):
        pdf.field(label, start=40)
    pdf.heading("10. What goes in the IEP")
    for label in (
        "Direct minutes and frequency",
        "Consultation minutes",
        "Location of services (honest wording)",
    ):
        pdf.field(label, start=66)
    return pdf.save(RESOURCES / "service-model-decision-guide.pdf")


def staff_program_guide() -> Path:
    pdf = Handout("Staff program guide", GUIDE)
    pdf.add_page()
    pdf.title_block(
        "Staff program guide",
        "One page for one strategy that a paraprofessional, teacher or other staff member "
        "carries out between therapy visits. The therapist fills it in with the adult after "
        "modeling the strategy with the student, adds a photo of each step, and reviews it at "
        "every check-in. Use plain words: no jargon.",
    )
    pdf.heading("Who and when")
    for label in (
        "Student (initials)",
        "Adult carrying it out",
        "Routine, day and time",
        "Therapist and how to reach them",
    ):
        pdf.field(label)
    pdf.heading("Why we are doing this (one sentence)")
    pdf.field("Purpose", start=22)
    pdf.ruled_lines(1, height=6)
    pdf.heading("Steps (add a photo of each)")
    pdf.grid(
        (12, 108, 60),
        ("#", "What to do", "Photo"),
        [(str(number), "\n\n", "") for number in range(1, 5)],
        line_height=5.2,
        size=9,
    )
    pdf.heading("What to watch for")
    for label in ("It is working when", "Stop or change it if", "If the student refuses"):
        pdf.field(label, start=44)
    pdf.heading("Quick record (one mark a day: E easy, O okay, H hard; blank = not done)")
    pdf.grid(
        (36, 28.8, 28.8, 28.8, 28.8, 28.8),
        ("Week of", "Mon", "Tue", "Wed", "Thu", "Fri"),
        blank_rows(6, 4, text=" "),
        line_height=5.5,
        size=9,
        align="CENTER",
    )
    pdf.heading("Check-ins and updates")
    for label in ("Next check-in", "Change made and why"):
        pdf.field(label, start=40)
    return pdf.save(RESOURCES / "staff-program-guide.pdf")


# --- modules 3-4 ------------------------------------------------------------------------


def weekly_push_in_schedule_template() -> Path:
    pdf = Handout("Weekly push-in schedule template", WORKSHEET, orientation="L")
    pdf.add_page()
    pdf.title_block(
        "Weekly push-in schedule",
        "Fill in the fixed points first (lunch, recess, specials, assessments, travel), then "
        "place each session during the classroom routine where the student's goal lives. Use "
        "the building's bell times for the blocks. Write in pencil: expect to rebuild after the "
        "first month and at each grading period.",
    )
    pdf.set_font(FONT, "", 9)
    pdf.cell(120, 7, "School(s): ____________________________________________")
    pdf.cell(
        0,
        7,
        "Week of: ____________________   Therapist: ______________________",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.note(
        "In each block write: room, routine (e.g. writing block, centers, lunch), students, "
        "and a type letter.   P = push-in   O = pull-out   C = consultation or observation"
        "   T = travel   M = meeting   D = documentation or materials   F = floating makeup"
    )
    pdf.ln(1)
    pdf.grid(
        (26, 48, 48, 48, 48, 48),
        ("Block / time", *DAYS),
        blank_rows(6, 10, text="", first=["Time\n \n "] * 10),
        line_height=4.5,
        size=8.5,
        header_font="",
    )
    pdf.ln(1)
    pdf.note(
        "Check: every push-in block matches a goal's routine; no block falls in a "
        "whole-class lecture, a test or an assembly unless planned; at least one F block; "
        "travel and documentation have their own blocks."
    )

    pdf.add_page()
    pdf.title_block(
        "Routines, IEP minutes and workload",
        "Page 2 holds the thinking behind the grid: which routine each student's goals belong "
        "to, what the IEP promises, and what the week really costs in time.",
    )
    pdf.heading("1. Match each student to a routine")
    pdf.grid(
        (34, 40, 58, 40, 42, 38),
        (
            "Student (initials)",
            "Classroom / teacher",
            "Goal (short form)",
            "Routine where it shows up",
            "IEP: minutes, frequency, setting",
            "Model this term",
        ),
        blank_rows(6, 8, text=""),
        line_height=6.2,
        size=8.5,
        header_font="",
    )
    pdf.heading("2. One typical week's workload")
    pdf.note(
        "Minutes per week for each recurring task. Compare the total with your contracted "
        "hours x 60. Keep this for the conversation with your administrator."
    )
    tasks = [
        "Direct sessions (push-in and pull-out, from IEPs)",
        "Consultation promised in IEPs",
        "Evaluations and re-evaluations (testing, observing, scoring, writing)",
        "IEP and team meetings",
        "Travel between buildings",
        "Training and coaching staff",
        "Making and adapting materials",
        "Documentation and service logs",
        "Setup, cleanup and makeup sessions",
        "TOTAL minutes per week  /  contracted minutes per week",
    ]
    pdf.grid(
        (150, 50, 52),
        ("Task", "Minutes per week", "Notes"),
        blank_rows(3, len(tasks), text="", first=tasks),
        line_height=5.6,
        size=8.5,
        header_font="",
    )
    return pdf.save(RESOURCES / "weekly-push-in-schedule-template.pdf")


def classroom_activity_analysis_worksheet() -> Path:
    pdf = Handout("Classroom activity analysis worksheet", WORKSHEET)
    pdf.add_page()
    pdf.title_block(
        "Classroom activity analysis",
        "One routine, observed as the student really meets it. Watch from the instruction to "
        "the moment the work is handed in, time two or three typical peers, and write what you "
        'see rather than a label ("looked up each time the door opened, 6 times in 10 '
        'minutes", not "distractible").',
    )
    pdf.heading("1. The routine")
    for label in (
        "Student (initials) and grade",
        "Classroom / teacher / adults present",
        "Routine and date observed",
        "Goal this routine relates to",
    ):
        pdf.field(label, start=66)
    pdf.heading("2. Steps, demands and what you saw")
    pdf.note(
        "Demands to consider: motor (grasp, strength, coordination), process (starting, "
        "sequencing, organizing), sensory (noise, movement, touch, visual clutter), "
        "cognitive (instructions, ideas, spelling), social (peers, sharing), time."
    )
    pdf.ln(1)
    pdf.grid(
        (8, 48, 50, 48, 34),
        (
            "",
            "Step of the routine",
            "Main demands",
            "What the student did",
            "Time: student / peers",
        ),
        blank_rows(5, 7, text="", first=[f"{n}." for n in range(1, 8)]),
        line_height=11,
        size=8.5,
        header_font="",
    )
    pdf.heading("3. The point of breakdown")
    for label in ("Where it breaks down", "Most likely reason", "What already helps"):
        pdf.field(label, start=48)

    pdf.add_page()
    pdf.heading("4. Four places to make a change")
    pdf.note(
        "Write one idea in each row, then circle the one to try first. Changes to the task, "
        "materials and environment help today; skill practice targets the breakdown."
    )
    places = [
        "The task (shorten, break into steps, change how the answer is given)\n ",
        "The materials (paper, lines, boxes, tools, word bank, slant board)\n ",
        "The environment or position (seat, furniture fit, light, noise)\n \n ",
        "The student's skill (practice aimed at the breakdown; where and when)\n ",
    ]
    pdf.grid(
        (92, 96),
        ("Where", "Idea"),
        blank_rows(2, 4, text="", first=places),
        line_height=5.5,
        size=8.5,
        header_font="",
    )
    pdf.heading("5. Agreed with the teacher")
    for label in (
        "One change we will try",
        "Who does what (teacher, aide, OT)",
        "How we will know it worked",
        "Data (tally, timing, work sample)",
        "Check date",
    ):
        pdf.field(label, start=66)
    pdf.heading("6. Grading and fading")
    for label in ("Support to fade next", "What we look for before fading"):
        pdf.field(label, start=66)
    pdf.heading("7. Result at the check")
    for label in ("What changed", "Keep, adjust or stop", "Next routine to analyze"):
        pdf.field(label, start=66)
    pdf.ln(2)
    pdf.note(
        "Keep one dated page per routine where the team can find it, following your "
        "district's rules on student records and privacy."
    )
    return pdf.save(RESOURCES / "classroom-activity-analysis-worksheet.pdf")


# --- modules 5-6 ------------------------------------------------------------------------

CONTACTS = (
    "Date and time",
    "With whom",
    "Type",
    "What we discussed or observed",
    "Agreed next step (who, by when)",
)


def teacher_collaboration_log() -> Path:
    pdf = Handout("Teacher collaboration log", FORM)
    pdf.add_page()
    pdf.title_block(
        "Teacher collaboration log",
        "One log per student and classroom. Record every contact with classroom staff on the "
        "student's behalf: quick check-ins at the door, planned consultations, notes and "
        "messages. Keep entries short and factual, write them the same day, and copy the "
        "time into your service log if your district counts it as consultation.",
    )
    pdf.heading("Student and team")
    for label in (
        "Student (initials) and grade",
        "Teacher and classroom",
        "Aide(s) and other staff",
        "IEP goal(s) occupational therapy supports",
        "Preferred way to communicate",
    ):
        pdf.field(label, start=80)
    pdf.heading("Contacts")
    pdf.grid((24, 26, 26, 50, 52), CONTACTS, blank_rows(5, 7, text="\n\n\n"), line_height=5.2)
    pdf.note(
        "Type: D-C = direct service in class, D-S = direct in a separate setting, "
        "C = consultation, Q = quick check-in, N = note or message."
    )
    pdf.add_page()
    pdf.heading("Contacts (continued)")
    pdf.grid((24, 26, 26, 50, 52), CONTACTS, blank_rows(5, 6, text="\n\n\n"), line_height=5.2)
    pdf.heading("Strategies handed over")
    pdf.paragraph(
        "Coaching cycle: 1 model it in the real routine, 2 the adult tries it while "
        "you watch, 3 step back and check in. Tick each step when done."
    )
    pdf.ln(1)
    pdf.grid(
        (46, 22, 24, 8, 8, 8, 22, 40),
        (
            "Strategy (one sentence)",
            "Routine",
            "Who was trained",
            "1",
            "2",
            "3",
            "Check-in date",
            "In use? (notes)",
        ),
        blank_rows(8, 5, text="\n\n\n"),
        line_height=5.2,
    )
    return pdf.save(RESOURCES / "teacher-collaboration-log.pdf")


def consultation_checklist() -> Path:
    pdf = Handout("Consultation checklist", FORM)
    pdf.add_page()
    pdf.title_block(
        "Consultation checklist",
        "For a planned consultation with a teacher, aide or other staff member on behalf of a "
        "student. Fifteen focused minutes are usually enough. Check your district's rules on "
        "what counts as consultation time and how it is recorded.",
    )
    pdf.field("Student (initials), date, with whom", start=70)
    pdf.heading("Before")
    pdf.checklist(
        [
            "I know the IEP goal(s) and how consultation is written in the service statement.",
            "I have looked at recent work samples or my classroom notes.",
            "I know which routine we will talk about and what the adult finds hardest.",
            "I have agreed a time and length that suits the teacher or aide.",
        ]
    )
    pdf.heading("During")
    pdf.checklist(
        [
            "I started by asking what is going well and what is hardest right now.",
            "We looked at data together: work samples, tallies, timings, staff notes.",
            "We reviewed strategies already in place (tools, seating, checklists, breaks): "
            "used how often, helping or not?",
            "We agreed on at most one or two changes, each describable in one sentence.",
            "We agreed who does what, by when, and how it will be tracked.",
            "Anything that needs my clinical judgment or an IEP team decision was named as such.",
        ]
    )
    pdf.heading("After")
    pdf.checklist(
        [
            "I made or delivered any material or tool I promised.",
            "I put the follow-up date in my calendar and told the adult when I will check in.",
            "If a change to the type, amount or location of services may be needed, I told the "
            "case manager.",
        ]
    )
    pdf.heading("Documentation (the same day)")
    pdf.checklist(
        [
            "Date, actual start and end time, and that this was consultation.",
            "Who took part, the topic, and the data shared.",
            "What was recommended or changed, who is responsible, and the follow-up date.",
        ]
    )
    pdf.heading("Notes")
    pdf.ruled_lines(3)
    return pdf.save(RESOURCES / "consultation-checklist.pdf")


def one_month_action_plan() -> Path:
    pdf = Handout("One-month action plan", FORM)
    pdf.add_page()
    pdf.title_block(
        "One-month action plan",
        "A plan for moving one or two students' services toward the classroom over the next "
        "four weeks. Keep it small enough to finish, and specific enough to check at the end.",
    )
    pdf.field("Month and building(s)", start=60)
    pdf.heading("1. Look at your caseload")
    pdf.paragraph(
        "Whose goals live in a classroom routine? Which teachers are open to a trial? "
        "Whose IEP review is coming up? Look for students on two or three of these "
        "lists."
    )
    pdf.ruled_lines(2)
    pdf.heading("2. Your focus")
    pdf.grid(
        (14, 34, 36, 32, 62),
        (
            "",
            "Student (initials), grade",
            "Routine, day and time",
            "Teacher / aide",
            "Why this student and routine (one sentence)",
        ),
        blank_rows(5, 2, first=["1", "2"]),
        line_height=5.2,
    )
    pdf.heading("3. Week by week")
    pdf.grid(
        (16, 46, 102, 14),
        ("Week", "Purpose", "My actions (what, with whom, when)", "Done"),
        blank_rows(4, 4, text="\n\n\n", first=["1", "2", "3", "4"]),
        line_height=5.2,
    )
    pdf.note(
        "Purposes: week 1 talk with teachers and observe (baseline); week 2 first push-in "
        "visits; week 3 hand over one strategy (model, they try, step back); week 4 review "
        "against the baseline and decide."
    )
    pdf.add_page()
    pdf.heading("4. Barriers I expect, and my response")
    pdf.grid(
        (70, 108),
        ("Likely barrier", "What I will do if it happens"),
        blank_rows(2, 3, text="\n\n\n"),
        line_height=5.2,
    )
    pdf.heading("5. How I will know it worked")
    pdf.grid(
        (78, 50, 50),
        ("Measure", "Baseline (week 1)", "End of month (week 4)"),
        blank_rows(
            3,
            3,
            first=[
                "Student: participation or work in the routine\n(e.g. amount completed, "
                "reminders, time on task)",
                "Staff: strategy used between visits\n(days used out of days possible)",
                "Me: share of my direct time in classrooms\nand other natural settings",
            ],
        ),
        line_height=5.2,
    )
    pdf.heading("6. At the end of the month")
    for label in (
        "Continue, adjust or stop, and why",
        "What I will add next month",
        "Three lines for my administrator",
    ):
        pdf.field(label, start=72)
        pdf.ruled_lines(1)
    pdf.heading("7. Small wins this month")
    pdf.ruled_lines(4)
    return pdf.save(RESOURCES / "one-month-action-plan.pdf")


# The course's sources, as (citation, what it shows). Only sources whose details were checked
# against the publication record are listed; lessons/what-the-evidence-says.md repeats them.
REFERENCES = (
    (
        "Dunn, W. (1990). A comparison of service provision models in school-based occupational "
        "therapy services: A pilot study. Occupational Therapy Journal of Research, 10(5), "
        "300-320. https://doi.org/10.1177/153944929001000505",
        "14 preschool and kindergarten children randomly assigned to direct service or "
        "collaborative consultation reached a similar share of IEP goals; teachers in the "
        "consultation group credited occupational therapy with more of the progress.",
    ),
    (
        "Dreiling, D. S., & Bundy, A. C. (2003). A comparison of consultative model and "
        "direct-indirect intervention with preschoolers. American Journal of Occupational "
        "Therapy, 57(5), 566-569. https://doi.org/10.5014/ajot.57.5.566",
        "20 preschoolers with mild motor delays: no significant difference in goal "
        "attainment between the two models.",
    ),
    (
        "Case-Smith, J., Holland, T., Lane, A., & White, S. (2012). Effect of a coteaching "
        "handwriting program for first graders: One-group pretest-posttest design. American "
        "Journal of Occupational Therapy, 66(4), 396-405. "
        "https://doi.org/10.5014/ajot.2012.004333",
        "36 first graders in two classrooms improved in legibility, speed and writing fluency "
        "during a 12-week program co-taught by teachers and an occupational therapist; no "
        "comparison group.",
    ),
    (
        "Case-Smith, J., Weaver, L., & Holland, T. (2014). Effects of a classroom-embedded "
        "occupational therapist-teacher handwriting program for first-grade students. American "
        "Journal of Occupational Therapy, 68(6), 690-698. "
        "https://doi.org/10.5014/ajot.2014.011585",
        "Four co-taught first-grade classrooms gained more in legibility and speed than four "
        "classrooms with standard instruction.",
    ),
    (
        "Missiuna, C. A., Pollock, N. A., Levac, D. E., Campbell, W. N., Sahagian Whalen, S. D., "
        "Bennett, S. M., ... Russell, D. J. (2012). Partnering for Change: An innovative "
        "school-based occupational therapy service delivery model for children with "
        "developmental coordination disorder. Canadian Journal of Occupational Therapy, 79(1), "
        "41-50. https://doi.org/10.2182/cjot.2012.79.1.6",
        "Describes a collaborative, classroom-based service model developed with Ontario "
        "schools; a model description, not a comparison of outcomes.",
    ),
    (
        "McWilliam, R. A. (1995). Integration of therapy and consultative special education: A "
        "continuum in early intervention. Infants & Young Children, 7(4), 29-38.",
        "Early intervention, not school-age services: describes a continuum from pull-out to "
        "consultation and practitioners' reported use and preferences.",
    ),
    (
        "American Occupational Therapy Association, American Physical Therapy Association, & "
        "American Speech-Language-Hearing Association. (2014). Workload approach: A paradigm "
        "shift for positive impact on student outcomes.",
        "The three associations' joint case for counting all the work students' services "
        "require, not only the number of students.",
    ),
    (
        "Assistance to States for the Education of Children With Disabilities, 34 C.F.R. "
        "Part 300: 300.34 (related services), 300.114-300.116 (least restrictive environment, "
        "continuum, placements), 300.320 (content of the IEP), 300.324 (development, review, "
        "revision and amendment of the IEP), 300.503 (prior written notice).",
        "The federal rules behind the course's legal statements; state rules add to them.",
    ),
)


def references() -> Path:
    pdf = Handout("References", GUIDE)
    pdf.add_page()
    pdf.title_block(
        "References",
        "The sources this course relies on, each checked against its publication record before "
        "it was cited. Under each, one line on what it shows, so that it is cited for no more "
        "than that.",
    )
    for citation, shows in REFERENCES:
        pdf.paragraph(citation, size=9, height=4.4)
        pdf.note(shows)
        pdf.ln(1.5)
    return pdf.save(RESOURCES / "references.pdf")


HANDOUTS = (
    service_model_decision_guide,
    staff_program_guide,
    weekly_push_in_schedule_template,
    classroom_activity_analysis_worksheet,
    teacher_collaboration_log,
    consultation_checklist,
    one_month_action_plan,
    references,
)


if __name__ == "__main__":
    for make in HANDOUTS:
        make()
