"""Serve lesson media and resources to those allowed, with HTTP Range support.

Three ways to deliver, chosen by settings, always after the access check done here:

- Flask itself (development): Werkzeug's send_file(conditional=True) answers Range requests
  with 206 and a correct Content-Range, and 416 for unsatisfiable ranges.
- MEDIA_ACCEL_REDIRECT_PREFIX (one machine, or nginx holding the content folder): the app
  answers with X-Accel-Redirect and nginx sends the file from its internal location.
- MEDIA_URL_PREFIX (a CDN, or any number of app instances): the video and its captions
  redirect to a signed, expiring URL under that prefix, so their bytes never pass through
  Python. The signature is nginx's secure_link_md5 form (see media_signature), which nginx
  checks itself and a CDN can check at its edge.
"""

from __future__ import annotations

import base64
import hashlib
import math
import mimetypes
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import Response, abort, current_app, redirect, send_file

from course.models import Course

# Expiry times are rounded up to this step, so one learner's repeated requests (and other
# learners' within the same window) get the same URL, which browsers and CDNs can cache.
EXPIRY_STEP = 600


def course_root(course: Course) -> Path:
    return Path(current_app.config["CONTENT_DIR"]) / course.slug


def course_file(course: Course, relative: str) -> Path:
    """The file inside the course's folder, or 404 (missing, or a path that escapes it)."""
    root = course_root(course).resolve()
    path = (root / relative).resolve()
    if not relative or not path.is_relative_to(root) or not path.is_file():
        abort(404)
    return path


def send_course_file(
    course: Course, relative: str, *, mimetype: str | None = None, download_name: str | None = None
) -> Response:
    path = course_file(course, relative)
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


def send_lesson_media(course: Course, relative: str, *, mimetype: str | None = None) -> Response:
    """A lesson's video or captions: a signed redirect when MEDIA_URL_PREFIX is set."""
    if not current_app.config.get("MEDIA_URL_PREFIX"):
        return send_course_file(course, relative, mimetype=mimetype)
    course_file(course, relative)  # 404 for a file that is not there, as without the CDN
    # campus.security marks the redirect no-store: the link is this learner's for a while.
    return redirect(signed_media_url(f"{course.slug}/{relative}"), code=302)


def signed_media_url(relative: str, now: float | None = None) -> str:
    """MEDIA_URL_PREFIX + the file's path, with ?md5=<signature>&expires=<unix time>."""
    config = current_app.config
    prefix = config["MEDIA_URL_PREFIX"].rstrip("/")
    now = time.time() if now is None else now
    expires = math.ceil((now + config["MEDIA_URL_LIFETIME"]) / EXPIRY_STEP) * EXPIRY_STEP
    path = urlsplit(prefix).path + "/" + relative
    signature = media_signature(path, expires, config["MEDIA_URL_SECRET"])
    return f"{prefix}/{quote(relative)}?md5={signature}&expires={expires}"


def media_signature(path: str, expires: int, secret: str) -> str:
    """nginx secure_link: base64url(md5("<expires><uri> <secret>")), without padding.

    It matches `secure_link_md5 "$secure_link_expires$uri <secret>";` where $uri is the
    decoded path the request names (this function is given it unquoted). MD5 is what
    nginx's module offers; the secret is long and the link lives hours, not years.
    """
    digest = hashlib.md5(f"{expires}{path} {secret}".encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
