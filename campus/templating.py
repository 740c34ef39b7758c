"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import date

from flask import Flask

from campus.timezones import local_time


def format_clock(seconds: float) -> str:
    """1:02:03 or 2:03: how transcripts and timestamps show a moment in a video."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def duration_label(seconds: float) -> str:
    """'4 min 05 s' for a lesson's length, '5 h 39 min' for an hour or more.

    Under an hour the part second is dropped, as the player's clock drops it, so a lesson
    of 1127.9 s reads 18 min 47 s here and 18:47 in the player. Hours are rounded to the
    minute, so a course total agrees with its contact hours (5.65 h reads 5 h 39 min).
    """
    if (seconds or 0) >= 3600:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes:02d} min"
    minutes, secs = divmod(int(seconds or 0), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def hours_label(hours: float) -> str:
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return f"{text} contact hour" + ("" if text == "1" else "s")


def size_label(size: int) -> str:
    """A file size a person reads at a glance: 820 bytes, 14 KB, 3.2 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def long_date(iso: str) -> str:
    """'2026-03-03' as 'March 3, 2026': certificates store calendar dates as ISO text."""
    day = date.fromisoformat(iso)
    return f"{day:%B} {day.day}, {day.year}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["local"] = local_time
    app.jinja_env.filters["filesize"] = size_label
    app.jinja_env.filters["duration"] = duration_label
    app.jinja_env.filters["clock"] = format_clock
    app.jinja_env.filters["hours"] = hours_label
