"""Reading an invite list: a CSV of names and email addresses, checked row by row.

The file is refused as a whole (a UserError, nothing saved) when it cannot be read as
intended: not UTF-8, no name and email columns, or more rows than one upload allows. A
readable file yields one InviteLine per data row; each is then valid or has a problem.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from campus.accounts.models import normalize_email
from campus.errors import UserError
from campus.exports import FORMULA_STARTS
from campus.organisations.models import MAX_INVITE_ROWS

NAME_HEADERS = ("name", "full name", "full_name", "learner name")
EMAIL_HEADERS = ("email", "e-mail", "email address", "e-mail address")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SAVE_AS = 'In Excel choose File > Save As > "CSV UTF-8 (Comma delimited)" and upload again.'


@dataclass
class InviteLine:
    line: int  # the row number a spreadsheet shows (the header is row 1)
    name: str
    email: str  # as written, for the report
    address: str = ""  # normalised, when valid
    problem: str = ""


def read_invite_csv(data: bytes) -> list[InviteLine]:
    """Every data row of an uploaded invite list, each checked on its own."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    name_at, email_at = _columns(header)
    lines = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank rows (a trailing newline, a spacer) are not people
        if len(lines) >= MAX_INVITE_ROWS:
            raise UserError(
                f"The file has more than {MAX_INVITE_ROWS:,} rows. Split it into smaller "
                "files; nothing was imported."
            )
        name = _cell(cells, name_at)
        email = _cell(cells, email_at)
        lines.append(_checked(InviteLine(number, name, email)))
    if not lines:
        raise UserError("The file has a header row but no one to invite.")
    return lines


def _decode(data: bytes) -> str:
    if not data:
        raise UserError("The file is empty. Choose a CSV file with name and email columns.")
    if data.startswith(UTF16_BOMS):
        raise UserError(f"The file is saved as UTF-16 (Unicode text), not CSV. {SAVE_AS}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserError(
            f"The file is not UTF-8 text (byte {error.start + 1} is not), so "
            f"names could come out garbled on certificates. {SAVE_AS}"
        ) from error
    if "\x00" in text:
        raise UserError(f"The file contains binary data; it is not a CSV file. {SAVE_AS}")
    return text


def _columns(header: list[str] | None) -> tuple[int, int]:
    names = [cell.strip().lower() for cell in header or []]
    name_at = next((i for i, cell in enumerate(names) if cell in NAME_HEADERS), None)
    email_at = next((i for i, cell in enumerate(names) if cell in EMAIL_HEADERS), None)
    if name_at is None or email_at is None:
        missing = " and ".join(
            column for column, at in (("name", name_at), ("email", email_at)) if at is None
        )
        found = ", ".join(f'"{cell}"' for cell in names if cell)[:200] or "nothing"
        raise UserError(
            f"The first row must name the columns: name and email. Missing: {missing} "
            f"(the first row has {found}). Nothing was imported."
        )
    return name_at, email_at


def _cell(cells: list[str], at: int) -> str:
    return " ".join(cells[at].split()) if at < len(cells) else ""


def _checked(line: InviteLine) -> InviteLine:
    """Set the line's problem, or its normalised address when it is good."""
    if not line.name:
        line.problem = "No name: the name goes on the certificate."
    elif line.name.startswith(FORMULA_STARTS) or line.email.startswith(FORMULA_STARTS):
        line.problem = "Starts with =, +, -, or @, like a spreadsheet formula: not imported."
    elif len(line.name) > 200:
        line.problem = "The name is longer than 200 characters."
    elif not line.email:
        line.problem = "No email address."
    else:
        try:
            validate_email(line.email, check_deliverability=False)
        except EmailNotValidError:
            line.problem = "Not a valid email address."
        else:
            line.address = normalize_email(line.email)
    return line
