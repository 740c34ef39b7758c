"""The learner's way through the CE gate: the post-test, the evaluation and the certificate
claim. These pages live above progress, assessment and certificates because each shows the
checklist that reads all three."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campus.accounts import services as account_services
from campus.accounts.forms import LicenseForm
from campus.accounts.licenses import LICENSE_FORMATS, has_license
from campus.errors import UserError
from campus.extensions import db
from campus.forms import EmptyForm
from course.access import can_view_lessons, get_published_course, refuse_outsider
from course.assessment import queries, services
from course.assessment.models import (
    REPORTED_MINUTES_FIELD,
    REPORTED_MINUTES_PROMPT,
    REPORTED_MINUTES_RANGE,
    PostTestAttempt,
)
from course.certificates import services as certificate_services
from course.completion.queries import checklist
from course.progress.queries import course_progress
from course.queries import course_outline

bp = Blueprint("completion", __name__)

# The evaluation's built-in question (course/assessment/models.py), as the page shows it.
_MINUTES_QUESTION = {
    "field": REPORTED_MINUTES_FIELD,
    "prompt": REPORTED_MINUTES_PROMPT,
    "low": REPORTED_MINUTES_RANGE[0],
    "high": REPORTED_MINUTES_RANGE[1],
}


def _course_for_learner(slug: str):
    course = get_published_course(slug)
    if not can_view_lessons(current_user, course):
        refuse_outsider(course)
    assessment = queries.get_assessment(course.id)
    if assessment is None:
        abort(404)
    return course, assessment


@bp.get("/courses/<slug>/posttest")
@login_required
def posttest(slug: str):
    course, assessment = _course_for_learner(slug)
    status = queries.posttest_status(current_user, course, assessment)
    steps = checklist(current_user, course)
    return render_template(
        "course/completion/posttest.html",
        course=course,
        assessment=assessment,
        status=status,
        checklist=steps,
        unfinished=_unfinished_lessons(course) if not steps.lessons_complete else [],
        question_count=queries.questions_per_attempt(course.id, assessment),
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
        number = len(queries.attempts_of(current_user.id, course.id))
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
        "course/completion/attempt.html",
        course=course,
        assessment=assessment,
        attempt=attempt,
        questions=queries.attempt_questions(attempt),
        form=EmptyForm(),
        feedback=queries.feedback_mode(assessment, attempt),
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
    existing = queries.find_evaluation(current_user.id, course.id)
    form, error_message = EmptyForm(), None
    if request.method == "POST" and existing is None:
        if not form.validate_on_submit():
            abort(400)
        try:
            services.submit_evaluation(current_user, course, request.form.to_dict())
        except UserError as error:
            db.session.rollback()
            error_message = error.message
        except IntegrityError:  # a concurrent double submit saved it first
            db.session.rollback()
            return redirect(url_for("course.course_page", slug=course.slug))
        else:
            flash("Thank you: your evaluation is saved.", "success")
            if not has_license(current_user):  # one step left: the license
                db.session.commit()
                return redirect(url_for(".license", slug=course.slug))
            # The evaluation is the last step: issue the certificate in the same commit.
            issued = _issue_or_explain(course)
            db.session.commit()
            _announce(issued)
            return redirect(url_for("course.course_page", slug=course.slug))
    status = 400 if error_message else 200
    return render_template(
        "course/completion/evaluation.html",
        course=course,
        items=assessment.evaluation_items,
        existing=existing,
        form=form,
        error_message=error_message,
        values=request.form,
        minutes=_MINUTES_QUESTION,
        checklist=checklist(current_user, course),
    ), status


@bp.route("/courses/<slug>/license", methods=["GET", "POST"])
@login_required
def license(slug: str):
    """The step before the certificate: the license a board report names. Saving it issues
    the certificate when every other step is done, in the same commit."""
    course, _ = _course_for_learner(slug)
    form = LicenseForm(obj=current_user)
    if form.validate_on_submit():
        try:
            account_services.set_license(
                current_user, form.license_state.data, form.license_number.data
            )
        except UserError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            flash("Your license is saved.", "success")
            steps = checklist(current_user, course)
            issued = bool(steps and steps.is_complete) and _issue_or_explain(course)
            db.session.commit()
            _announce(issued)
            return redirect(url_for("course.course_page", slug=course.slug))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "course/completion/license.html",
        course=course,
        form=form,
        checklist=checklist(current_user, course),
        formats=LICENSE_FORMATS,
    ), status


@bp.post("/courses/<slug>/certificate")
@login_required
def claim(slug: str):
    course = get_published_course(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    issued = _issue_or_explain(course)
    db.session.commit()
    _announce(issued)
    return redirect(url_for("course.course_page", slug=slug))


def _issue_or_explain(course) -> bool:
    """Issue the learner's certificate when every step is done (True when newly issued);
    otherwise flash what is left.

    issue_certificate writes nothing before its checks pass, so a refusal leaves the
    request's other changes (the evaluation) to be committed by the caller. A refusal for
    incomplete CE settings also records the alert, and the job that tells the staff.
    A new certificate's email is a job committed with it.
    """
    try:
        _, created = certificate_services.issue_certificate(current_user, course)
    except certificate_services.CeSettingsIncomplete as refusal:
        message, _ = certificate_services.report_incomplete_ce(course, refusal)
        flash(message, "error")
        return False
    except UserError as error:
        flash(error.message, "error")
        return False
    return created


def _announce(issued: bool) -> None:
    """After the commit: the new certificate is there, and its email is queued."""
    if issued:
        flash("Your certificate is ready to download. A copy is on its way by email.", "success")
