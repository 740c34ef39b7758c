"""The job queue for admins: how many jobs wait, run, finished or died, the dead-letter
list with each job's last error, and a Retry button (audit-logged)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from campus.errors import user_errors_flashed
from campus.extensions import db
from campus.forms import EmptyForm
from campus.jobs import queries, services
from campus.jobs.models import Job

bp = Blueprint("jobs_admin", __name__, url_prefix="/admin/jobs")


def _require_admin() -> None:
    if not current_user.is_admin:
        abort(403)


@bp.get("/")
@login_required
def jobs_page():
    _require_admin()
    return render_template("campus/jobs/jobs.html", page=queries.jobs_page(), form=EmptyForm())


@bp.post("/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    _require_admin()
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = db.session.get(Job, job_id) or abort(404)
    with user_errors_flashed():
        services.retry_dead(current_user, job)
        db.session.commit()
        flash(f"Job {job.label} is queued to run again.", "success")
    return redirect(url_for(".jobs_page"))
