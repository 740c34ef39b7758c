"""The files a provider sends to boards: a CE Broker roster upload and a generic board roster.

Both are built from ReportRow values (course/certificates/queries.py reads them), so the
file, the log entry and the page all describe the same rows. SAMPLE certificates never get
this far: the query leaves them out.

CE Broker layout: UNVERIFIED. CE Broker documents a roster upload by Excel (help.cebroker.com,
"Reporting Course Completions Using Excel", article 15226533297428: Manage Roster -> Upload,
"Full Credit" or "Partial Credit", the column layout on a "More..." page inside the provider
account) and a fixed-width text file it no longer recommends (article 15226548991252, "This
method is not recommended as it does not support all license formats": 100-character
records of six types). The column-by-column Excel layout is not on a public page we could
read; the columns below follow our notes of that help page (../shared/ce-certificates.md:
A provider tracking number without "50-", B course tracking number without "20-", C the
provider's own course id instead of B, D publishing number, E license number, F completion
date, G state, H profession code, I/J partial-credit subject code and hours). Confirmed in
public CE Broker pages: the "50-"/"20-" prefixes (article 15226514516244) and that the
license number must be "the full license number as it appears in the state license
verification database" (article 15226511846292). Until a provider checks the layout against
the "More..." page of its own account, the page and the file name say "unverified".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from campus.exports import spreadsheet_cell

CEBROKER = "cebroker"
ROSTER = "roster"
FORMATS = {
    CEBROKER: "CE Broker roster upload, full credit (unverified format)",
    ROSTER: "Board roster (CSV, every field a board asks for)",
}
# (column letter, heading shown on the page; the file itself has no header row)
CEBROKER_COLUMNS = (
    ("A", "Provider tracking number, without 50-"),
    ("B", "Course tracking number, without 20-"),
    ("C", "Provider's own course id (blank: B is given)"),
    ("D", "Publishing number (blank: optional)"),
    ("E", "License number, in full, no spaces"),
    ("F", "Completion date, MM/DD/YYYY"),
    ("G", "License state"),
    ("H", "Profession code (from the course's CE settings)"),
    ("I", "Subject-area code (blank: full credit)"),
    ("J", "Partial hours (blank: full credit)"),
)
ROSTER_COLUMNS = (
    "license_state",
    "license_number",
    "learner_name",
    "first_name",
    "last_name",
    "course_title",
    "approval_id",
    "provider_name",
    "provider_number",
    "completion_date",
    "contact_hours",
    "board_units",
    "certificate_code",
    "verify_url",
)


@dataclass(frozen=True)
class ReportRow:
    """One valid, approved (non-SAMPLE) certificate of a licensed learner, ready to report."""

    certificate_id: int
    user_id: int
    code: str
    learner_name: str
    license_state: str
    license_number: str
    completed_on: date
    snapshot: dict


@dataclass(frozen=True)
class CebrokerIds:
    provider: str  # digits, without "50-"
    course: str  # digits, without "20-"
    profession: str


def cebroker_file(rows: list[ReportRow], ids: CebrokerIds) -> str:
    """The CE Broker full-credit roster, one row per completion, columns A to J, no header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [
                ids.provider,
                ids.course,
                "",
                "",
                row.license_number,
                row.completed_on.strftime("%m/%d/%Y"),
                row.license_state,
                ids.profession,
                "",
                "",
            ]
        )
    return out.getvalue()


def roster_file(rows: list[ReportRow], verify_url) -> str:
    """A generic board roster: everything a board's own upload or an auditor asks for."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ROSTER_COLUMNS)
    for row in rows:
        s = row.snapshot
        first, last = split_name(row.learner_name)
        cells = (
            row.license_state,
            row.license_number,
            row.learner_name,
            first,
            last,
            s.get("course_title", ""),
            s.get("approval_id", ""),
            s.get("provider_name", ""),
            s.get("provider_number", ""),
            row.completed_on.isoformat(),
            s.get("contact_hours", ""),
            "; ".join(
                f"{t['board']}={t['units']:g} {t['unit']}" for t in s.get("board_totals") or []
            ),
            row.code,
            verify_url(row.code),
        )
        writer.writerow([spreadsheet_cell(v) for v in cells])
    return out.getvalue()


def split_name(name: str) -> tuple[str, str]:
    """(first, last) by the last space: a guess a board upload needs; learner_name stays whole
    beside it, since names do not always split that way."""
    parts = " ".join((name or "").split()).rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
