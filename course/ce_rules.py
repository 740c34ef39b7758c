"""CE settings of a course (ce: in course.yml): which fields a certificate needs.

See ../shared/ce-certificates.md for why each field exists, and content/CE-FORMAT.md for
the format. Checked by `flask course validate`, and again before any certificate is issued.
"""

from __future__ import annotations

from typing import Any

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
TEXT_FIELDS = (*REQUIRED_CE_FIELDS, "approval_id", "ceu_label")
KNOWN_FIELDS = (*TEXT_FIELDS, *BOOLEAN_FIELDS, "instructors", "contact_hours_override")
MAX_CONTACT_HOURS = 200


def missing_ce_fields(ce: dict[str, Any] | None) -> list[str]:
    """Names of required CE fields that are absent or empty."""
    ce = ce or {}
    missing = [name for name in REQUIRED_CE_FIELDS if not str(ce.get(name) or "").strip()]
    if ce.get("print_approval_id") and not str(ce.get("approval_id") or "").strip():
        missing.append("approval_id")
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
    problems = [
        (
            (("ce", name) if name in ce else ("ce",)),
            f"ce.{name} is required before certificates can be issued",
        )
        for name in missing_ce_fields(ce)
    ]
    problems += _check_values(ce)
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


def ceus(hours: float) -> float:
    """AOTA CEUs = contact hours / 10 (6.75 h -> 0.675)."""
    return round(hours / 10, 4)
