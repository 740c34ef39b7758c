"""Render one lesson slide to a PNG: a title bar, large bullets, the course name in a corner.

Pillow (a dependency of fpdf2, so always present in the project's venv) draws anti-aliased
DejaVu text and measures it, which lets long bullets wrap and shrink to fit instead of
overflowing the frame the way ffmpeg drawtext would.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1280, 720
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# Palette: every text/background pair is checked against WCAG AA (4.5:1) at import time.
BACKGROUND = (255, 255, 255)
BODY_TEXT = (26, 32, 44)
BAR = (22, 61, 99)
BAR_TEXT = (255, 255, 255)
ACCENT = (180, 83, 9)  # bullet markers and the rule under the title bar
FOOTER_TEXT = (84, 93, 108)

MARGIN = 72
BAR_HEIGHT = 150
FOOTER_Y = HEIGHT - 52
BODY_TOP = BAR_HEIGHT + 56
BODY_BOTTOM = FOOTER_Y - 28


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2.x contrast ratio between two sRGB colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def check_palette() -> None:
    """Refuse to render if someone edits a colour into a pair below WCAG AA (4.5:1)."""
    on_white = (BODY_TEXT, FOOTER_TEXT, ACCENT)
    for fg, bg in [(BAR_TEXT, BAR), *((colour, BACKGROUND) for colour in on_white)]:
        ratio = contrast_ratio(fg, bg)
        if ratio < 4.5:
            raise RuntimeError(f"slide palette fails WCAG AA: {fg} on {bg} is {ratio:.2f}:1")


check_palette()


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap by measured pixel width (never splits a word)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _fit_heading(heading: str, width: float) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """Largest heading size (52 down to 34 px) that fits the bar in at most two lines."""
    for size in range(52, 33, -2):
        font = _font(BOLD, size)
        lines = wrap(heading, font, width)
        if len(lines) == 1 or (len(lines) == 2 and size <= 40):
            return font, lines
    return font, lines[:2]


def _fit_points(points: list[str], width: float, height: float):
    """Largest body size (40 down to 26 px) at which all bullets fit the body area."""
    for size in range(40, 25, -2):
        font = _font(REGULAR, size)
        wrapped = [wrap(point, font, width) for point in points]
        line_height = int(size * 1.32)
        gap = int(size * 0.7)
        needed = sum(len(lines) for lines in wrapped) * line_height + gap * (len(points) - 1)
        if needed <= height:
            return font, wrapped, line_height, gap
    return font, wrapped, line_height, gap


def _draw_title_bar(draw: ImageDraw.ImageDraw, heading: str) -> None:
    draw.rectangle((0, 0, WIDTH, BAR_HEIGHT), fill=BAR)
    draw.rectangle((0, BAR_HEIGHT, WIDTH, BAR_HEIGHT + 8), fill=ACCENT)
    font, lines = _fit_heading(heading, WIDTH - 2 * MARGIN)
    line_height = int(font.size * 1.2)
    top = (BAR_HEIGHT - line_height * len(lines)) // 2
    for i, line in enumerate(lines):
        draw.text((MARGIN, top + i * line_height), line, font=font, fill=BAR_TEXT)


def _draw_points(draw: ImageDraw.ImageDraw, points: list[str]) -> None:
    indent = 48
    width, height = WIDTH - 2 * MARGIN - indent, BODY_BOTTOM - BODY_TOP
    font, wrapped, line_height, gap = _fit_points(points, width, height)
    y = BODY_TOP
    radius = max(6, font.size // 5)
    for lines in wrapped:
        centre = y + line_height // 2
        left = MARGIN + 4
        draw.ellipse((left, centre - radius, left + 2 * radius, centre + radius), fill=ACCENT)
        for line in lines:
            draw.text((MARGIN + indent, y), line, font=font, fill=BODY_TEXT)
            y += line_height
        y += gap


def _draw_footer(draw: ImageDraw.ImageDraw, course_title: str, position: str) -> None:
    font = _font(REGULAR, 22)
    draw.line((MARGIN, FOOTER_Y - 14, WIDTH - MARGIN, FOOTER_Y - 14), fill=(210, 214, 220), width=2)
    draw.text((MARGIN, FOOTER_Y), course_title, font=font, fill=FOOTER_TEXT)
    draw.text((WIDTH - MARGIN, FOOTER_Y), position, font=font, fill=FOOTER_TEXT, anchor="ra")


def render_slide(
    path: Path, heading: str, points: list[str], course_title: str, position: str
) -> None:
    """Write one 1280x720 slide PNG; `position` is e.g. "2 / 4" for the footer."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _draw_title_bar(draw, heading)
    if points:
        _draw_points(draw, points)
    _draw_footer(draw, course_title, position)
    image.save(path, format="PNG", optimize=True)
