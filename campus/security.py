"""Response security headers and safe redirect targets."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context, request


@cache
def content_security_policy(media_url_prefix: str = "") -> str:
    """The CSP; lesson media may also come from MEDIA_URL_PREFIX's origin (a CDN). Cached:
    every response carries it, and it depends on that one setting only."""
    media = urlsplit(media_url_prefix)
    media_origin = f" {media.scheme}://{media.netloc}" if media.scheme and media.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "media-src 'self'" + media_origin,
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CSP = content_security_policy()


def is_safe_redirect(target: str | None) -> bool:
    """Only same-site relative paths: no scheme, no host, no protocol-relative '//'."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_target(target: str | None, fallback: str) -> str:
    """Where to send the browser next: ``target`` when it is on this site, else ``fallback``.

    The one home of the safe-redirect rule (``next`` parameters, form fields, the Referer).
    A full URL on this very host, as a Referer is, counts as its path.
    """
    if target and has_request_context() and target.startswith(request.host_url):
        target = "/" + target[len(request.host_url) :]
    return target if is_safe_redirect(target) else fallback


def add_security_headers(response):
    headers = response.headers
    from flask import current_app

    csp = content_security_policy(current_app.config.get("MEDIA_URL_PREFIX") or "")
    headers.setdefault("Content-Security-Policy", csp)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HSTS_ENABLED"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Signed-in pages and API answers must not be kept by shared or browser caches;
    # media and downloads set their own private caching.
    if _is_signed_in() and response.mimetype in ("text/html", "application/json"):
        headers["Cache-Control"] = "no-store"
    # A health answer is about now; a redirect (e.g. /verify?code= to the certificate's
    # page) may carry a code in its Location. Neither belongs in any cache.
    if response.status_code in (301, 302, 303, 307, 308) or request.endpoint == "health.healthz":
        headers["Cache-Control"] = "no-store"
    return response


def _is_signed_in() -> bool:
    """Whether this request was served to a signed-in user.

    Reads the user Flask-Login already loaded for the request instead of touching
    ``current_user``, whose attributes would be re-read from the database after the
    view's commit expired them.
    """
    user = g.get("_login_user")
    return user is not None and not user.is_anonymous


def init_app(app: Flask) -> None:
    from campus.security_log import log_forbidden

    app.after_request(add_security_headers)
    app.after_request(log_forbidden)
