"""Post-test and evaluation pages: thin views over course.assessment.services."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campus.accounts.auth import staff_required
from campus.accounts.forms import EmptyForm
from campus.errors import UserError
from campus.exports import download_response
from campus.extensions import db
from course.access import can_view_lessons, get_published_course, refuse_outsider
from course.assessment import reports, services
from course.assessment.models import PostTestAttempt
from course.certificates.checklist import checklist
from course.models import course_outline
from course.progress.summary import course_progress

bp = Blueprint("assessment", __name__)


def _course_for_learner(slug: str):
    course = get_published_course(slug)
    if not can_view_lessons(current_user, course):
        refuse_outsider(course)
    assessment = services.get_assessment(course.id)
    if assessment is None:
        abort(404)
    return course, assessment


@bp.get("/courses/<slug>/posttest")
@login_required
def posttest(slug: str):
    course, assessment = _course_for_learner(slug)
    status = services.posttest_status(current_user, course, assessment)
    steps = checklist(current_user, course)
    return render_template(
        "course/ce/posttest.html",
        course=course,
        assessment=assessment,
        status=status,
        checklist=steps,
        unfinished=_unfinished_lessons(course) if not steps.lessons_complete else [],
        question_count=services.questions_per_attempt(course.id, assessment),
        form=EmptyForm(),
    )


def _unfinished_lessons(course) -> list:
    """While the post-test is locked: which lessons are left, and how far along each is."""
    progress = course_progress(current_user, course, course_outline(course.id))
    return [status for status in progress.ordered if not status.completed]


@bp.post("/courses/<slug>/posttest/start")
@login_required
def start(slug: str):
    course, _ = _course_for_learner(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(current_user, course)
        number = attempt.number
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".posttest", slug=slug))
    except IntegrityError:  # a concurrent click opened the same attempt
        db.session.rollback()
        number = len(services.attempts_of(current_user.id, course.id))
    return redirect(url_for(".attempt", slug=slug, number=number))


def _attempt(course, number: int) -> PostTestAttempt:
    attempt = db.session.scalar(
        select(PostTestAttempt).where(
            PostTestAttempt.user_id == current_user.id,
            PostTestAttempt.course_id == course.id,
            PostTestAttempt.number == number,
        )
    )
    if attempt is None:
        abort(404)
    return attempt


@bp.get("/courses/<slug>/posttest/attempts/<int:number>")
@login_required
def attempt(slug: str, number: int):
    course, assessment = _course_for_learner(slug)
    attempt = _attempt(course, number)
    return render_template(
        "course/ce/attempt.html",
        course=course,
        assessment=assessment,
        attempt=attempt,
        questions=services.attempt_questions(attempt),
        form=EmptyForm(),
        feedback=assessment.setting("show_feedback"),
    )


@bp.post("/courses/<slug>/posttest/attempts/<int:number>")
@login_required
def submit(slug: str, number: int):
    course, _ = _course_for_learner(slug)
    attempt = _attempt(course, number)
    if not EmptyForm().validate_on_submit():
        abort(400)
    answers = {key[2:]: request.form.getlist(key) for key in request.form if key.startswith("q-")}
    try:
        services.submit_attempt(current_user, attempt, answers)
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        if error.status_code == 409:
            flash(error.message, "error")
            return redirect(url_for(".attempt", slug=slug, number=number))
        abort(error.status_code, error.message)
    return redirect(url_for(".attempt", slug=slug, number=number))


@bp.route("/courses/<slug>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(slug: str):
    course, assessment = _course_for_learner(slug)
    existing = services.find_evaluation(current_user.id, course.id)
    form, error_message = EmptyForm(), None
    if request.method == "POST" and existing is None:
        if not form.validate_on_submit():
            abort(400)
        try:
            services.submit_evaluation(current_user, course, request.form.to_dict())
            db.session.commit()
            return _after_evaluation(course)
        except UserError as error:
            db.session.rollback()
            error_message = error.message
        except IntegrityError:  # a concurrent double submit saved it first
            db.session.rollback()
            return redirect(url_for("course.course_page", slug=course.slug))
    status = 400 if error_message else 200
    return render_template(
        "course/ce/evaluation.html",
        course=course,
        items=assessment.evaluation_items,
        existing=existing,
        form=form,
        error_message=error_message,
        values=request.form,
        checklist=checklist(current_user, course),
    ), status


def _after_evaluation(course):
    """The evaluation is the last step: issue the certificate now when the course can."""
    from course.certificates.views import issue_and_email

    flash("Thank you: your evaluation is saved.", "success")
    try:
        issue_and_email(current_user, course)
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("course.course_page", slug=course.slug))


def _staff_assessment(slug: str):
    """The course and its assessment, for instructors and admins only."""
    course = get_published_course(slug)
    assessment = services.get_assessment(course.id)
    if assessment is None:
        abort(404)
    return course, assessment


@bp.get("/admin/courses/<slug>/evaluation")
@staff_required
def evaluation_report(slug: str):
    course, assessment = _staff_assessment(slug)
    summary = reports.evaluation_summary(course.id, assessment.evaluation_items)
    return render_template(
        "course/ce/evaluation_report.html",
        course=course,
        summary=summary,
        posttest=reports.posttest_summary(course.id),
    )


@bp.get("/admin/courses/<slug>/evaluation.csv")
@staff_required
def evaluation_csv(slug: str):
    course, assessment = _staff_assessment(slug)
    return download_response(
        reports.evaluation_csv(course.id, assessment.evaluation_items),
        "text/csv",
        f"evaluation-{course.slug}.csv",
    )
