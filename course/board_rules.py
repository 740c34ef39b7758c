"""Credit rules of the boards a certificate speaks to, as data: one row per board, each with
its source. Adding a board is adding a row (and a test of its arithmetic).

Read by the certificate snapshot (course/certificates/services.py: the totals per board the
certificate prints) and the roster export. Where a fact was not confirmed in a primary
source the row says so in `note`; treat such rows as settings to check, not as law.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BoardRule:
    key: str
    name: str
    minutes_per_hour: int  # minutes of instruction in one credited hour
    unit: str  # what the board counts
    units_per_hour: float  # units for one credited hour
    units_per_hour_with_assessment: float | None  # when the activity ends in a scored test
    self_study: bool | None  # does self-paced distance learning count? None: not confirmed
    certificate_fields: tuple[str, ...]  # ce: fields a certificate for this board must carry
    source: str
    note: str = ""

    def hours(self, minutes: float) -> float:
        """Credited hours for ``minutes`` of instruction (60 min = 1 h AOTA; 50 min elsewhere)."""
        return round(minutes / self.minutes_per_hour, 2)

    def units(self, minutes: float, *, scored_assessment: bool) -> float:
        rate = self.units_per_hour
        if scored_assessment and self.units_per_hour_with_assessment:
            rate = self.units_per_hour_with_assessment
        return round(minutes / self.minutes_per_hour * rate, 4)


AOTA_FIELDS = (
    "provider_name",
    "provider_number",
    "approval_id",
    "instructional_level",
    "content_focus",
    "delivery_format",
    "instructors",
    "disclaimer",
)

BOARDS: dict[str, BoardRule] = {
    rule.key: rule
    for rule in (
        BoardRule(
            key="aota",
            name="AOTA",
            minutes_per_hour=60,
            unit="AOTA CEUs",
            units_per_hour=0.1,  # 1 CEU = 10 contact hours
            units_per_hour_with_assessment=None,
            self_study=True,  # "Distance Learning - Independent" is an AOTA delivery format
            certificate_fields=AOTA_FIELDS,
            source=(
                "aota.org, Approved Provider Program information: 'One generic CEU is defined "
                "as 10 contact (clock) hours ... One clock hour is 60 minutes'; only AOTA "
                "Approved Providers may assign AOTA CEUs"
            ),
        ),
        BoardRule(
            key="nbcot",
            name="NBCOT",
            minutes_per_hour=60,
            unit="PDUs",
            units_per_hour=1.0,
            units_per_hour_with_assessment=1.25,
            self_study=True,
            certificate_fields=("provider_name",),
            source=(
                "NBCOT Certification Renewal Activities Chart (nbcot.org): 1 contact hour = "
                "1 PDU; an approved provider's course with an assessment = 1.25 PDUs per hour"
            ),
            note=(
                "The 1.25 rate is quoted from NBCOT's chart by providers and in "
                "../shared/ce-certificates.md; the chart itself was not retrieved here."
            ),
        ),
        BoardRule(
            key="nc",
            name="North Carolina Board of Occupational Therapy",
            minutes_per_hour=60,
            unit="contact hours",
            units_per_hour=1.0,
            units_per_hour_with_assessment=None,
            self_study=None,
            certificate_fields=("provider_name",),
            source="21 NCAC 38 .0801 (contact hour = 60 minutes)",
            note="Whether and how much self-study counts was not confirmed.",
        ),
        BoardRule(
            key="fl",
            name="Florida Board of Occupational Therapy",
            minutes_per_hour=50,
            unit="contact hours",
            units_per_hour=1.0,
            units_per_hour_with_assessment=None,
            self_study=True,
            certificate_fields=("provider_name", "provider_number"),
            source=(
                "64B11-6.001 F.A.C. as quoted on CE Broker's Florida OT requirements page "
                "(50-minute hour); Florida DOH OT continuing-education page (home study "
                "counts, up to 12 hours per biennium, with a certificate of completion)"
            ),
            note=(
                "The 50-minute hour was not found in the 64B11-6.001 text retrieved; check "
                "CE Broker's current page before relying on it."
            ),
        ),
    )
}
DEFAULT_BOARDS = ("aota", "nbcot")


def course_boards(ce: dict | None) -> list[BoardRule]:
    """The boards a course's certificate speaks to (ce.boards; default AOTA and NBCOT)."""
    keys = (ce or {}).get("boards") or DEFAULT_BOARDS
    return [BOARDS[key] for key in keys if key in BOARDS]


def unknown_boards(ce: dict | None) -> list[str]:
    keys = (ce or {}).get("boards") or []
    return [str(key) for key in keys if key not in BOARDS]


def board_totals(ce: dict | None, minutes: float, *, scored_assessment: bool) -> list[dict]:
    """What a certificate prints per board: hours by its minute definition and its units.

    Boards where self-study does not count are left out for a self-study course."""
    totals = []
    for rule in course_boards(ce):
        if rule.self_study is False:
            continue
        totals.append(
            {
                "board": rule.key,
                "name": rule.name,
                "hours": rule.hours(minutes),
                "minutes_per_hour": rule.minutes_per_hour,
                "unit": rule.unit,
                "units": rule.units(minutes, scored_assessment=scored_assessment),
            }
        )
    return totals
