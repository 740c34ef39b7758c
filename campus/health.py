"""GET /healthz: is the app up and does the database answer."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from campus.extensions import db, limiter

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        log.exception("health check: database did not answer")
        db.session.rollback()
        return jsonify(status="degraded", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
