"""Reading untrusted request input: JSON bodies, integer query args and ids in paths.

Every odd input becomes a clear 4xx here, once, instead of a 500 in whichever view met it:
JSON nested deeply enough to exhaust Python's recursion, integers beyond what a database
column holds (PostgreSQL's integer ids stop at 2^31 - 1; SQLite's at 2^63 - 1), and
digits by the hundred.
"""

from __future__ import annotations

import json

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from campus.errors import UserError

# The largest value of the Integer columns every id and counter lives in.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: an id beyond any row is "not found", never a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


def decode_json_object(raw: bytes, what: str = "The request") -> dict:
    """A JSON object from a body (application/json, or text/plain as sendBeacon sends it).

    NaN and Infinity are refused; so are nesting deep enough to raise RecursionError and
    integers too long for Python to read (ValueError).
    """
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError as error:
        raise UserError(f"{what} is nested too deeply to be valid JSON.") from error
    except (UnicodeDecodeError, ValueError) as error:
        raise UserError(f"{what} is not valid JSON.") from error
    if not isinstance(body, dict):
        raise UserError(f"{what} must be a JSON object.")
    return body


def int_arg(name: str, default: int | None = None, *, minimum: int = 1) -> int | None:
    """A whole-number query argument from minimum to MAX_ID; absent or empty is default.

    Anything else is a 400 that names the argument, not a silent default nor a 500.
    """
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not minimum <= int(raw) <= MAX_ID:
        abort(400, f"'{name}' must be a whole number from {minimum} to {MAX_ID}.")
    return int(raw)


def int_field(value: str | None) -> int | None:
    """A whole-number form field in the id range, or None (absent, not a number, out of range)."""
    raw = (value or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_ID:
        return None
    return int(raw)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
