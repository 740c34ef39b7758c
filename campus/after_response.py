"""Work that runs after the response has reached the browser.

A member who posts should not wait while the forum emails everyone who follows the
thread, and a mail server that is down must not turn their saved post into an error
page. The WSGI server calls the response's close() once the body is sent; the work runs
then, in its own app and request context (for url_for), and a failure is logged.
This is not a job queue: the worker is busy until the work ends, and work in flight
when a worker dies is lost, so callers keep their own record of what is still to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, after_this_request, current_app, request

log = logging.getLogger(__name__)


def after_response(function: Callable, *args) -> None:
    """Call ``function(*args)`` once this request's response has been sent."""
    app = current_app._get_current_object()
    base_url = app.config.get("PUBLIC_BASE_URL") or request.host_url

    @after_this_request
    def attach(response):
        response.call_on_close(lambda: _run(app, base_url, function, args))
        return response


def _run(app: Flask, base_url: str, function: Callable, args: tuple) -> None:
    with app.test_request_context("/", base_url=base_url):
        try:
            function(*args)
        except Exception:
            log.exception("work after the response failed: %s", function.__qualname__)
