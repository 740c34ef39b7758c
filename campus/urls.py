"""Absolute links that leave the site: in emails, on certificates, in QR codes.

They are built from PUBLIC_BASE_URL, never from the request's Host header: a request
with a forged Host (or X-Forwarded-Host) must not be able to plant its own domain in a
password-reset email. Production refuses to start without PUBLIC_BASE_URL (see
campus.config); a development server falls back to the host it is served on.
"""

from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, _external=False, **values)
    return url_for(endpoint, _external=True, **values)
