"""Serve lesson media and resources to those allowed, with HTTP Range support.

Werkzeug's send_file(conditional=True) answers Range requests with 206 and a correct
Content-Range, and 416 for unsatisfiable ranges. In production, MEDIA_ACCEL_REDIRECT_PREFIX
hands the file to nginx (X-Accel-Redirect) after the access check done here.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote

from flask import Response, abort, current_app, send_file

from course.models import Course


def course_root(course: Course) -> Path:
    return Path(current_app.config["CONTENT_DIR"]) / course.slug


def send_course_file(
    course: Course, relative: str, *, mimetype: str | None = None, download_name: str | None = None
) -> Response:
    root = course_root(course).resolve()
    path = (root / relative).resolve()
    if not relative or not path.is_relative_to(root) or not path.is_file():
        abort(404)
    mimetype = mimetype or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    prefix = current_app.config.get("MEDIA_ACCEL_REDIRECT_PREFIX")
    if prefix:
        response = Response(status=200, mimetype=mimetype)
        response.headers["X-Accel-Redirect"] = quote(
            f"{prefix.rstrip('/')}/{course.slug}/{relative}"
        )
        if download_name:
            response.headers["Content-Disposition"] = (
                f"attachment; filename*=UTF-8''{quote(download_name, safe='')}"
            )
        return response
    response = send_file(
        path,
        mimetype=mimetype,
        conditional=True,
        as_attachment=download_name is not None,
        download_name=download_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
