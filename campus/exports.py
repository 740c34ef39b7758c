"""CSV exports that are safe to open in a spreadsheet."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """Text for one CSV cell, with spreadsheet formulas neutralised (CSV injection).

    Names and free text come from learners; a leading '=' would run as a formula in
    Excel or LibreOffice, so such cells are prefixed with an apostrophe.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def download_response(data: str | bytes, mimetype: str, filename: str) -> Response:
    """A private, uncached attachment: records and certificates must not sit in shared caches.

    The filename is given both plainly (ASCII) and RFC 5987-encoded, so names with spaces,
    quotes or non-ASCII letters survive.
    """
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = attachment_header(filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def attachment_header(filename: str) -> str:
    """Content-Disposition naming a download plainly (ASCII) and RFC 5987-encoded."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
