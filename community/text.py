"""Cleaning member text before it is stored."""

from __future__ import annotations

import re

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str | None) -> str:
    """Drop control characters (tab and newlines stay): PostgreSQL refuses NUL in text,
    and none of them mean anything in a post."""
    return CONTROL_CHARS.sub("", text or "")
