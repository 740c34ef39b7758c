"""Render a certificate's snapshot as one landscape PDF page with a verification QR code.

Core PDF fonts (no font file to parse) keep rendering fast; a snapshot with characters outside
Latin-1 (e.g. a name in another script) switches to DejaVu when the system has it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a certificate is drawn: fpdf2 with fontTools and Pillow is
    from fpdf import FPDF  # 20 MB of every worker's memory otherwise (bench/speed.py RSS)

from campus.templating import long_date
from campus.urls import external_url
from course import ce_rules
from course.certificates.models import Certificate

NAVY, GOLD, GREY = (22, 45, 84), (176, 141, 62), (90, 90, 90)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
PAGE_W, PAGE_H = 279.4, 215.9  # US Letter, landscape, in mm
NBCOT_NOTE = (
    "This activity includes a scored post-test (assessment). NBCOT: 1 contact hour "
    "with an assessment = 1.25 PDUs."
)
SAMPLE_MARK = "SAMPLE \u2014 not valid for continuing-education credit"
STATE_MARKS = {
    "revoked": "REVOKED \u2014 this certificate is no longer valid; see the verification page",
    "superseded": "SUPERSEDED \u2014 replaced by a newer certificate; see the verification page",
}
SAMPLE_FOOTER = (
    "This course is not (yet) approved for continuing-education credit: this SAMPLE shows the "
    "hours the course would carry and claims no CEUs, no provider approval and no board credit."
)


def verify_url(code: str) -> str:
    """What a printed QR code points at: PUBLIC_BASE_URL's verification page."""
    return external_url("certificates.verify", code=code)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF of a stored certificate, stamped with its current state (revoked, reissued).

    The snapshot is never changed: rendering it with status "valid" gives the original."""
    return render_certificate(
        certificate.snapshot,
        certificate.code,
        verify_url(certificate.code),
        status=certificate.state.value,
    )


def pdf_filename(certificate: Certificate) -> str:
    return f"certificate-{certificate.snapshot['course_id']}-{certificate.code}.pdf"


def number(value: float) -> str:
    """6.75 -> '6.75', 0.675 -> '0.675', 7.0 -> '7'."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def render_certificate(
    snapshot: dict, code: str, verify_url: str, *, status: str = "valid"
) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="letter")
    pdf.set_title(f"CE certificate {code}")
    # Dated by the snapshot, not the clock: the same certificate draws the same bytes, so
    # the SHA-256 an audit packet lists for it checks any copy (course/records).
    pdf.set_creation_date(_issue_instant(snapshot))
    pdf.set_author(snapshot["provider_name"])
    pdf.set_auto_page_break(False)
    pdf.add_page()
    serif, sans = _fonts(pdf, snapshot)
    _frame(pdf)
    _heading(pdf, snapshot, serif, sans)
    _facts(pdf, snapshot, sans)
    _details(pdf, snapshot, sans)
    _qr(pdf, verify_url, code, sans)
    _footer(pdf, snapshot, sans)
    _watermark(pdf, sans, status, ce_rules.snapshot_is_sample(snapshot))
    return bytes(pdf.output())


def _issue_instant(snapshot: dict) -> datetime:
    day = date.fromisoformat(snapshot.get("issued_on") or snapshot["completed_on"])
    return datetime.combine(day, time.min, tzinfo=UTC)


def _fonts(pdf: FPDF, snapshot: dict) -> tuple[str, str]:
    """Core fonts; _safe switches a single string to DejaVu when it needs other scripts."""
    return "Times", "Helvetica"


UNICODE_FACES = {
    ("times", ""): "DejaVuSerif.ttf",
    ("times", "B"): "DejaVuSerif-Bold.ttf",
    ("times", "I"): "DejaVuSerif-Italic.ttf",
    ("helvetica", ""): "DejaVuSans.ttf",
    ("helvetica", "B"): "DejaVuSans-Bold.ttf",
}


def _safe(pdf: FPDF, text: str) -> str:
    """Core fonts speak Latin-1 only. Text beyond it (a name in another script) is set in
    the matching DejaVu face, loaded only then, because parsing a TTF costs ~70 ms."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    face = UNICODE_FACES.get((pdf.font_family, pdf.font_style))
    if face is None or not (DEJAVU / face).exists():
        return text.encode("latin-1", "replace").decode("latin-1")
    family = "u" + face.lower().replace(".ttf", "").replace("-", "")
    if family not in pdf.fonts:
        pdf.add_font(family, "", str(DEJAVU / face))
    pdf.set_font(family, "", pdf.font_size_pt)
    return text


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.rect(12, 12, PAGE_W - 24, PAGE_H - 24)


def _center(
    pdf: FPDF, y: float, text: str, family: str, style: str, size: float, color=NAVY
) -> None:
    pdf.set_font(family, style, size)
    pdf.set_text_color(*color)
    pdf.set_xy(20, y)
    pdf.cell(PAGE_W - 40, size * 0.45, _safe(pdf, text), align="C")


def _heading(pdf: FPDF, s: dict, serif: str, sans: str) -> None:
    _center(pdf, 20, s["provider_name"].upper(), sans, "B", 11, GREY)
    if s.get("provider_number"):  # approved courses only (build_snapshot)
        _center(pdf, 27, f"AOTA Approved Provider #{s['provider_number']}", sans, "", 9, GREY)
    _center(pdf, 37, "Certificate of Completion", serif, "B", 30)
    _center(pdf, 53, "This certifies that", serif, "I", 13, GREY)
    _center(pdf, 61, s["learner_name"], serif, "B", 26)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.line(70, 74, PAGE_W - 70, 74)
    if s.get("license_number"):
        _center(
            pdf,
            76,
            f"License: {s.get('license_state', '')} {s['license_number']}".replace("  ", " "),
            sans,
            "",
            9,
            GREY,
        )
    _center(
        pdf,
        82,
        "has successfully completed the continuing education activity",
        serif,
        "I",
        13,
        GREY,
    )
    pdf.set_font(serif, "B", 16)
    pdf.set_text_color(*NAVY)
    pdf.set_xy(30, 90)
    pdf.multi_cell(PAGE_W - 60, 7, _safe(pdf, s["course_title"]), align="C")


def _facts(pdf: FPDF, s: dict, sans: str) -> None:
    units = (
        (s.get("ceu_label", "AOTA CEUs"), number(s["ceus"]))
        if s.get("ceus") is not None
        else ("Status", "SAMPLE")
    )
    facts = [
        ("Completion date", long_date(s["completed_on"])),
        ("Contact hours", number(s["contact_hours"])),
        units,
        ("Instructional level", s["instructional_level"] or "-"),
    ]
    width, x0, y = 54, (PAGE_W - 4 * 54) / 2, 108
    pdf.set_fill_color(244, 241, 232)
    pdf.rect(x0, y, 4 * width, 17, style="F")
    for index, (label, value) in enumerate(facts):
        x = x0 + index * width
        pdf.set_xy(x, y + 2.5)
        pdf.set_font(sans, "", 8)
        pdf.set_text_color(*GREY)
        pdf.cell(width, 4, _safe(pdf, label.upper()), align="C")
        pdf.set_xy(x, y + 8)
        pdf.set_font(sans, "B", 13)
        pdf.set_text_color(*NAVY)
        pdf.cell(width, 6, _safe(pdf, value), align="C")


def _details(pdf: FPDF, s: dict, sans: str) -> None:
    instructors = "; ".join(
        f"{i['name']}, {i['credentials']}" if i.get("credentials") else i["name"]
        for i in s["instructors"]
    )
    rows = [
        ("Instructor", instructors),
        ("Content focus", s["content_focus"]),
        ("Delivery format", s["delivery_format"]),
        ("Provider", _provider(s)),
    ]
    if s.get("approval_id"):
        rows.append(("Activity approval ID", s["approval_id"]))
    if s.get("board_totals"):
        rows.append(("Credit by board", board_line(s["board_totals"])))
    rows.append(("Course ID", s["course_id"]))
    rows.append(("Issued", long_date(s.get("issued_on", s["completed_on"]))))
    y = 131
    for label, value in rows:
        pdf.set_xy(24, y)
        pdf.set_font(sans, "B", 8.5)
        pdf.set_text_color(*GREY)
        pdf.cell(38, 5, _safe(pdf, label))
        pdf.set_font(sans, "", 8.5)
        pdf.set_text_color(20, 20, 20)
        pdf.cell(150, 5, _safe(pdf, value))
        y += 5.2
    if s.get("print_nbcot_note"):
        pdf.set_xy(24, y + 1)
        pdf.set_font(sans, "", 8)
        pdf.set_text_color(*NAVY)
        pdf.cell(180, 4.5, _safe(pdf, NBCOT_NOTE))


def board_line(totals: list[dict]) -> str:
    """'AOTA: 0.675 AOTA CEUs · NBCOT: 8.4375 PDUs · ...' from the snapshot's board totals."""
    parts = []
    for t in totals:
        if t["unit"] == "contact hours":
            parts.append(
                f"{t['board'].upper()}: {number(t['hours'])} h ({t['minutes_per_hour']}-min hours)"
            )
        else:
            parts.append(f"{t['name']}: {number(t['units'])} {t['unit']}")
    return " \u00b7 ".join(parts)


def _provider(s: dict) -> str:
    if s.get("provider_number"):
        return f"{s['provider_name']} (AOTA Provider #{s['provider_number']})"
    return s["provider_name"] or "-"


def _qr(pdf: FPDF, url: str, code: str, sans: str) -> None:
    """The QR code drawn as vector squares (one rectangle per dark run), crisp when printed."""
    import segno

    qr = segno.make(url, error="m", micro=False)
    rows = list(qr.matrix)
    size, x0, y0 = 38.0, PAGE_W - 24 - 38.0, 128.0
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(
                    x0 + start * module, y0 + r * module, (c - start) * module, module, style="F"
                )
            else:
                c += 1
    pdf.set_xy(x0 - 20, y0 + size + 1)
    pdf.set_font(sans, "B", 9)
    pdf.set_text_color(*NAVY)
    pdf.cell(size + 20, 4.5, code, align="C")
    pdf.set_xy(PAGE_W - 24 - 110, y0 + size + 5.5)
    pdf.set_font(sans, "", 7)
    pdf.set_text_color(*GREY)
    pdf.cell(110, 3.5, _safe(pdf, f"Verify at {url}"), align="R")


def _footer(pdf: FPDF, s: dict, sans: str) -> None:
    pdf.set_xy(24, PAGE_H - 33)
    pdf.set_font(sans, "", 7)
    pdf.set_text_color(*GREY)
    text = (
        f"{s.get('approval_statement', '')} {s.get('disclaimer', '')}".strip()
        if not ce_rules.snapshot_is_sample(s)
        else SAMPLE_FOOTER
    )
    pdf.multi_cell(PAGE_W - 48 - 60, 3.4, _safe(pdf, text))


def _watermark(pdf: FPDF, sans: str, status: str, sample: bool) -> None:
    """On every page: a large word across it and, readable by text extraction, a sentence
    at the top and the bottom. A revoked or superseded copy says so; a SAMPLE says so."""
    lines = ([STATE_MARKS[status]] if status in STATE_MARKS else []) + (
        [SAMPLE_MARK] if sample else []
    )
    if not lines:
        return
    top, bottom = lines[0], lines[-1]
    for page in range(1, pdf.pages_count + 1):
        pdf.page = page
        if status in STATE_MARKS:
            _stamp(pdf, status.upper(), sans)
        else:
            with pdf.local_context(fill_opacity=0.3):
                _stamp(pdf, "SAMPLE", sans, size=110, color=(235, 200, 200))
        _center(pdf, 13.5, top, sans, "B", 10, (200, 30, 30))
        _center(pdf, PAGE_H - 17.5, bottom, sans, "B", 10, (200, 30, 30))


def _stamp(pdf: FPDF, word: str, sans: str, size: float = 72, color=(200, 30, 30)) -> None:
    with pdf.rotation(20, PAGE_W / 2, PAGE_H / 2):
        pdf.set_font(sans, "B", size)
        pdf.set_text_color(*color)
        pdf.set_xy(0, PAGE_H / 2 - size * 0.2)
        pdf.cell(PAGE_W, size * 0.4, word, align="C")
