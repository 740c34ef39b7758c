"""The instructor's course dashboard (funnel, lesson drop-off, stuck learners, the panels
other wings add) and the one-click reminder to a stuck learner."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from campus.errors import user_errors_flashed
from campus.extensions import db, limiter
from campus.forms import EmptyForm
from campus.models import utcnow
from course.access import get_course_learner, get_staff_course
from course.completion import queries
from course.completion.services import REMINDER_INTERVAL, remind_learner
from course.signals import dashboard_panels

bp = Blueprint("completion_admin", __name__)


@bp.get("/courses/<slug>/dashboard")
@login_required
def dashboard(slug: str):
    course = get_staff_course(slug)
    days, problem = queries.parse_stuck_days(request.args.get("days"))
    now = utcnow()
    page = queries.course_dashboard(course, days, now)
    panels = [panel for _, panel in dashboard_panels.send(course, now=now) if panel]
    return render_template(
        "course/completion/dashboard.html",
        course=course,
        page=page,
        charts=queries.dashboard_charts(page),
        panels=panels,
        problem=problem,
        reminder_days=REMINDER_INTERVAL.days,
        form=EmptyForm(),
    ), (400 if problem else 200)


def _reminder_key() -> str:
    return f"reminders:{current_user.get_id()}"


@bp.post("/courses/<slug>/learners/<int:user_id>/remind")
@login_required
@limiter.limit("60 per hour", key_func=_reminder_key)
def remind(slug: str, user_id: int):
    course = get_staff_course(slug)
    learner = get_course_learner(course, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    days, _ = queries.parse_stuck_days(request.form.get("days"))
    back = url_for("completion_admin.dashboard", slug=slug, days=days)
    with user_errors_flashed():
        remind_learner(current_user, course, learner, utcnow())
        db.session.commit()
        flash(f"A reminder is on its way to {learner.full_name}.", "success")
    return redirect(back + "#stuck")
