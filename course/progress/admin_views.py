"""Staff pages on progress: the learner list and each learner's time-on-task ledger (CSV too)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from campus.exports import download_response
from campus.timezones import zone_of
from course.access import get_course_learner, get_published_course
from course.models import Course
from course.progress import queries

bp = Blueprint("progress_admin", __name__)


def _staff_course(slug: str) -> Course:
    if not current_user.is_staff:
        abort(403)
    return get_published_course(slug)


@bp.get("/courses/<slug>/learners")
@login_required
def learners(slug: str):
    course = _staff_course(slug)
    rows = queries.learner_rows(course)
    return render_template("course/progress/learners.html", course=course, rows=rows)


@bp.get("/courses/<slug>/learners/<int:user_id>/time-on-task")
@login_required
def learner_ledger(slug: str, user_id: int):
    course = _staff_course(slug)
    learner = get_course_learner(course, user_id)
    report = queries.learner_report(course, learner)
    return render_template(
        "course/progress/ledger.html",
        course=course,
        learner=learner,
        report=report,
        learner_zone=zone_of(learner),
    )


@bp.get("/courses/<slug>/learners/<int:user_id>/time-on-task.csv")
@login_required
def learner_ledger_csv(slug: str, user_id: int):
    course = _staff_course(slug)
    learner = get_course_learner(course, user_id)
    report = queries.learner_report(course, learner)
    filename = f"time-on-task-{course.slug}-{learner.id}.csv"
    return download_response(queries.ledger_csv(course, learner, report), "text/csv", filename)
