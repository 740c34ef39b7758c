"""The audit log page for admins: filter by action, actor, target, course and dates; CSV."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from campus.audit import queries
from campus.exports import download_response
from campus.models import utcnow

bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")


def _require_admin() -> None:
    if not current_user.is_admin:
        abort(403)


@bp.get("/")
@login_required
def audit_log():
    _require_admin()
    audit_filter = queries.AuditFilter.from_args(request.args)
    before_id = queries.parse_int(request.args.get("before"))
    page = queries.audit_page(audit_filter, before_id)
    return render_template(
        "campus/audit/log.html",
        page=page,
        audit_filter=audit_filter,
        args=audit_filter.as_args(),
        courses=queries.course_options(),
        actions=queries.known_actions(),
    )


@bp.get("/audit.csv")
@login_required
def audit_log_csv():
    _require_admin()
    audit_filter = queries.AuditFilter.from_args(request.args)
    filename = f"audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return download_response(queries.audit_csv(audit_filter), "text/csv", filename)
