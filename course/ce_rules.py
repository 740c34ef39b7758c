"""CE settings of a course (ce: in course.yml): which fields a certificate needs.

See ../shared/ce-certificates.md for why each field exists, and content/CE-FORMAT.md for
the format. Checked by `flask course validate`, and again before any certificate is issued.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from course import board_rules

REQUIRED_CE_FIELDS = (
    "provider_name",
    "provider_number",
    "instructional_level",
    "content_focus",
    "delivery_format",
    "disclaimer",
)
INSTRUCTIONAL_LEVELS = ("Introductory", "Intermediate", "Advanced")
BOOLEAN_FIELDS = ("print_approval_id", "print_nbcot_note")
TEXT_FIELDS = (*REQUIRED_CE_FIELDS, "approval_id", "ceu_label", "approval_statement")
DATE_FIELDS = ("approved_on", "expires_on")
# CE Broker tracking numbers: a provider's begin "50-", a course's "20-" (help.cebroker.com,
# "Parent and Child Providers - Creating courses and submitting completions"). Kept here
# without the prefix, digits only, as the roster upload asks.
CEBROKER_FIELDS = {
    "cebroker_provider_number": "50-",
    "cebroker_course_number": "20-",
}
KNOWN_FIELDS = (
    *TEXT_FIELDS,
    *CEBROKER_FIELDS,
    "cebroker_profession_code",
    *BOOLEAN_FIELDS,
    *DATE_FIELDS,
    "status",
    "boards",
    "instructors",
    "contact_hours_override",
)
MAX_CONTACT_HOURS = 200

# Approval status. Only an AOTA Approved Provider may assign AOTA CEUs, and only to an
# activity once AOTA has issued its approval id ("AOTA CEUs may be assigned to the PD
# activity after an approval identification number is provided": aota.smapply.io, AOTA
# Approved Provider portal; "Only AOTA Approved Providers are authorized to assign AOTA
# CEUs": aota.org, Approved Provider Program information). Until a course is `approved` its
# certificates are SAMPLEs that claim nothing.
DRAFT, PENDING, APPROVED = "draft", "pending", "approved"
STATUSES = (DRAFT, PENDING, APPROVED)
# Values that look like stand-ins, refused for an approved course.
PLACEHOLDER = re.compile(
    r"placeholder|\btbd\b|\btba\b|\btodo\b|example|x{3,}|0000|changeme|lorem|sample",
    re.IGNORECASE,
)
PLACEHOLDER_CHECKED = ("provider_name", "provider_number", "approval_id")


def ce_status(ce: dict[str, Any] | None) -> str:
    """The course's approval status; a ce: block that does not say is a draft."""
    status = str((ce or {}).get("status") or DRAFT).strip().lower()
    return status if status in STATUSES else DRAFT


def is_approved(ce: dict[str, Any] | None) -> bool:
    return ce_status(ce) == APPROVED


def issues_samples(ce: dict[str, Any] | None) -> bool:
    """A draft course issues SAMPLE certificates even with CE fields missing; a pending or
    approved one must have them all (issuing refuses otherwise)."""
    return ce_status(ce) == DRAFT


def stored_ce(ce: dict[str, Any] | None) -> dict[str, Any]:
    """The ce: block as stored (JSON): YAML dates become ISO text."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in (ce or {}).items()
    }


def cebroker_number(ce: dict[str, Any], name: str) -> str:
    """A CE Broker tracking number as the upload wants it: digits, without its prefix."""
    value = str((ce or {}).get(name) or "").strip()
    prefix = CEBROKER_FIELDS[name]
    return value[len(prefix) :] if value.startswith(prefix) else value


def _check_cebroker(ce: dict) -> list[tuple[tuple, str]]:
    problems = []
    for name, prefix in CEBROKER_FIELDS.items():
        if ce.get(name) is not None and not re.fullmatch(r"\d{1,12}", cebroker_number(ce, name)):
            problems.append(
                (("ce", name), f"ce.{name} must be digits (with or without its '{prefix}')")
            )
    code = ce.get("cebroker_profession_code")
    if code is not None and not re.fullmatch(r"[A-Za-z0-9-]{1,20}", str(code)):
        problems.append(
            (("ce", "cebroker_profession_code"), "ce.cebroker_profession_code must be a short code")
        )
    return problems


def looks_like_placeholder(value: Any) -> bool:
    return bool(PLACEHOLDER.search(str(value or "")))


def missing_ce_fields(ce: dict[str, Any] | None) -> list[str]:
    """Names of required CE fields that are absent or empty."""
    ce = ce or {}
    missing = [name for name in REQUIRED_CE_FIELDS if not str(ce.get(name) or "").strip()]
    needs_id = ce.get("print_approval_id") or ce_status(ce) == APPROVED
    if needs_id and not str(ce.get("approval_id") or "").strip():
        missing.append("approval_id")
    if ce_status(ce) == APPROVED and not ce.get("approved_on"):
        missing.append("approved_on")
    if ce_status(ce) == APPROVED:  # each board's certificate fields (course/board_rules.py)
        for rule in board_rules.course_boards(ce):
            missing += [
                name
                for name in rule.certificate_fields
                if name != "instructors" and name not in missing and not str(ce.get(name) or "")
            ]
    if not ce_instructors(ce):
        missing.append("instructors")
    return missing


def ce_instructors(ce: dict[str, Any]) -> list[dict[str, str]]:
    """The instructors as [{name, credentials}], ignoring malformed entries."""
    result = []
    for item in ce.get("instructors") or []:
        if isinstance(item, dict) and str(item.get("name") or "").strip():
            result.append(
                {
                    "name": str(item["name"]).strip(),
                    "credentials": str(item.get("credentials") or "").strip(),
                }
            )
    return result


def check_ce_settings(ce: Any) -> list[tuple[tuple, str]]:
    """Problems in a course's ce: section as (yaml key path, message).

    A course without a ce: section offers no certificate and is not an error.
    """
    if ce is None:
        return []
    if not isinstance(ce, dict):
        return [(("ce",), "ce must be a mapping of certificate settings")]
    problems = []
    if not issues_samples(ce):  # a draft may be incomplete: it issues SAMPLEs
        problems += [
            (
                (("ce", name) if name in ce else ("ce",)),
                f"ce.{name} is required before certificates can be issued",
            )
            for name in missing_ce_fields(ce)
        ]
    problems += _check_status(ce)
    problems += _check_values(ce)
    return problems


def _check_status(ce: dict) -> list[tuple[tuple, str]]:
    problems = []
    if "status" in ce and str(ce["status"]).strip().lower() not in STATUSES:
        problems.append((("ce", "status"), f"ce.status must be one of {', '.join(STATUSES)}"))
    dates = {}
    for name in DATE_FIELDS:
        value = ce.get(name)
        if value is None:
            continue
        try:
            dates[name] = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            problems.append((("ce", name), f"ce.{name} must be a date like 2026-11-27"))
    for key in board_rules.unknown_boards(ce):
        problems.append(
            (("ce", "boards"), f"ce.boards: '{key}' is not a board in course/board_rules.py")
        )
    if "boards" in ce and not isinstance(ce["boards"], list):
        problems.append((("ce", "boards"), "ce.boards must be a list of board keys"))
    if len(dates) == 2 and dates["expires_on"] <= dates["approved_on"]:
        problems.append((("ce", "expires_on"), "ce.expires_on must come after ce.approved_on"))
    if is_approved(ce):
        for name in PLACEHOLDER_CHECKED:
            if looks_like_placeholder(ce.get(name)):
                problems.append(
                    (
                        ("ce", name),
                        f"ce.{name} looks like a placeholder ({ce.get(name)!r}): an approved "
                        "course prints it on certificates; use the real value or status: draft",
                    )
                )
    return problems


def _check_values(ce: dict) -> list[tuple[tuple, str]]:
    problems = []
    level = ce.get("instructional_level")
    if level and level not in INSTRUCTIONAL_LEVELS:
        problems.append(
            (
                ("ce", "instructional_level"),
                f"ce.instructional_level must be one of {', '.join(INSTRUCTIONAL_LEVELS)}",
            )
        )
    for name in ce:
        if name not in KNOWN_FIELDS:
            problems.append((("ce", name), f"ce.{name} is not a known CE setting"))
    for name in BOOLEAN_FIELDS:
        if name in ce and not isinstance(ce[name], bool):
            problems.append((("ce", name), f"ce.{name} must be true or false"))
    for name in TEXT_FIELDS:
        if ce.get(name) is not None and not isinstance(ce[name], str | int):
            problems.append((("ce", name), f"ce.{name} must be text"))
    problems += _check_cebroker(ce)
    override = ce.get("contact_hours_override")
    if override is not None and (
        isinstance(override, bool)
        or not isinstance(override, int | float)
        or not 0 < override <= MAX_CONTACT_HOURS
    ):
        problems.append(
            (
                ("ce", "contact_hours_override"),
                f"ce.contact_hours_override must be hours between 0 and {MAX_CONTACT_HOURS}",
            )
        )
    instructors = ce.get("instructors")
    if instructors is not None and not isinstance(instructors, list):
        problems.append(
            (("ce", "instructors"), "ce.instructors must be a list of {name, credentials}")
        )
    for index, item in enumerate(instructors if isinstance(instructors, list) else []):
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            problems.append(
                (("ce", "instructors", index), "each instructor needs a 'name' (and credentials)")
            )
    return problems


def contact_hours(ce: dict[str, Any], computed_minutes: float) -> float:
    """Contact hours: the override when declared, else media plus activity time (60 min = 1 h)."""
    override = (ce or {}).get("contact_hours_override")
    if override:
        return round(float(override), 2)
    return round(computed_minutes / 60, 2)


def contact_minutes_total(ce: dict[str, Any], computed_minutes: float) -> float:
    """Minutes of instruction: the override (in 60-minute hours) when declared, else computed."""
    override = (ce or {}).get("contact_hours_override")
    return float(override) * 60 if override else float(computed_minutes)


def ceus(hours: float) -> float:
    """AOTA CEUs = contact hours / 10 (6.75 h -> 0.675), by the AOTA row of the board table."""
    return board_rules.BOARDS["aota"].units(hours * 60, scored_assessment=False)


def approval_statement(ce: dict[str, Any], ceus_offered: float, approval_id: str) -> str:
    """The approval statement an approved course prints unless ce.approval_statement is set.

    The usual wording of AOTA Approved Providers' certificates and course pages; AOTA's APP
    manual governs the exact use of its name, so a provider may replace it per course.
    """
    number = f"{ceus_offered:.4f}".rstrip("0").rstrip(".")
    parts = [
        f"{ce.get('provider_name')} is an AOTA Approved Provider of professional development, "
        f"Provider #{ce.get('provider_number')}."
    ]
    if approval_id:
        parts.append(f"PD activity approval ID# {approval_id}.")
    parts.append(
        f"This {ce.get('delivery_format')} activity is offered at {number} AOTA CEUs "
        f"({ce.get('instructional_level')} level; {ce.get('content_focus')})."
    )
    return " ".join(" ".join(str(part).split()) for part in parts)


def snapshot_is_sample(snapshot: dict[str, Any]) -> bool:
    """A certificate snapshot from a course that was not approved at issue.

    Snapshots from before approval status existed (no ce_status) were issued as approved
    ones and stand as issued.
    """
    return (snapshot or {}).get("ce_status", APPROVED) != APPROVED
