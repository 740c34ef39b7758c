"""Where the app's log records go: standard error, looked up at each record."""

from __future__ import annotations

import logging
import sys

from flask import Flask


class StderrHandler(logging.StreamHandler):
    """Writes each record to ``sys.stderr`` as it is when the record is emitted.

    ``logging.StreamHandler(sys.stderr)`` keeps the stream it was given. A handler made
    while something had swapped ``sys.stderr`` for a temporary stream (a CliRunner running
    ``flask db upgrade``, a test's capsys or capfd) would write to that stream after it was
    closed, and every later warning would print "--- Logging error --- ValueError: I/O
    operation on closed file" instead of itself. Looking the stream up at each record, as
    ``logging.lastResort`` does, leaves no handler bound to a stream that may go away.
    """

    def __init__(self, level: int = logging.NOTSET) -> None:
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr


def configure(app: Flask) -> None:
    """The application log on the root logger (unless something already writes it out),
    and the security log beside it."""
    from campus import security_log

    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not any(isinstance(h, logging.StreamHandler) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO if not app.testing else logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    security_log.configure(app.testing)
