"""License state and number: the two facts a board report is keyed on, checked on entry.

A license number is reported to a board exactly as the learner gives it, so it is checked
before it is stored: against the state's known format where a source confirms one, else
for basic sanity. CE Broker matches completions on "the full license number as it appears
in the state license verification database" (help.cebroker.com, "Web Service Roster posting
update", article 15226511846292), so numbers are kept whole (prefixes such as "OT" stay)
and only spaces are removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from campus.errors import UserError

# The 50 states, DC and the territories whose boards license occupational therapists.
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "GU": "Guam",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}  # fmt: skip


@dataclass(frozen=True)
class LicenseFormat:
    pattern: str  # a full match, on the number with spaces removed and letters upper-cased
    example: str
    source: str


# Adding a state is adding a row, with the source that confirms its format. Formats not
# confirmed in a source (Florida, North Carolina, Texas and California among them: their
# boards' pages searched on 2026-11-28 do not state one) get only the basic check below.
LICENSE_FORMATS: dict[str, LicenseFormat] = {
    "NY": LicenseFormat(
        r"\d{6}",
        "012345",
        "New York licenses are six-digit numbers issued by NYSED's Office of the Professions "
        "(op.nysed.gov, online verification by license number); stated as 'NY License "
        "numbers are 6 digits' in the NYC CPSE portal help (support.cpseportal.com, 'Enter "
        "License / Certification Information'). A secondary source: confirm with NYSED.",
    ),
}

# Any other state: 3 to 20 letters and digits, with '-', '.' or '/' only between them, and
# at least one digit (a name or "N/A" typed in the wrong box is refused).
BASIC_FORMAT = re.compile(r"[A-Z0-9](?:[A-Z0-9.\-/]{1,18})[A-Z0-9]")


def normalize_license(state: str, number: str) -> tuple[str, str]:
    """(state, number) checked and in their stored form, or a UserError naming the problem."""
    state = (state or "").strip().upper()
    number = "".join((number or "").split()).upper()
    if state not in US_STATES:
        raise UserError("Choose the state that issued your license.", 400)
    if not number:
        raise UserError("Give your license number, as on your license.", 400)
    known = LICENSE_FORMATS.get(state)
    if known is not None:
        if not re.fullmatch(known.pattern, number):
            raise UserError(
                f"A {US_STATES[state]} license number looks like {known.example}: check "
                "yours against your license.",
                400,
            )
    elif not BASIC_FORMAT.fullmatch(number) or not any(ch.isdigit() for ch in number):
        raise UserError(
            "A license number is 3 to 20 letters and digits (with '-', '.' or '/' between "
            "them) and holds at least one digit: check yours against your license.",
            400,
        )
    return state, number


def has_license(user) -> bool:
    """Whether a board report can name this learner's license."""
    return bool(getattr(user, "license_state", None) and getattr(user, "license_number", None))
