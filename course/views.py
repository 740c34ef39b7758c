"""Catalog, course page, enrollment, lesson page, and lesson media delivery."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from campus.enrollment.forms import RedeemCodeForm
from campus.enrollment.queries import is_enrolled
from campus.enrollment.services import enroll, redeem_code, withdraw
from campus.errors import UserError, user_errors_flashed
from campus.extensions import client_address, db, limiter
from campus.forms import EmptyForm
from campus.organisations.queries import managed_organisations, sponsors
from course import queries
from course.access import get_published_course, get_viewable_lesson
from course.completion.queries import checklist as ce_checklist
from course.completion.queries import checklists as ce_checklists
from course.delivery import send_course_file, send_lesson_media
from course.progress.queries import course_progress, dashboard_progress, has_started

bp = Blueprint("course", __name__)


@bp.get("/")
def catalog():
    courses = db.session.scalars(queries.published_courses_query()).all()
    summaries = queries.catalog_summaries(courses)
    return render_template("course/catalog.html", summaries=summaries)


@bp.get("/courses/<slug>")
def course_page(slug: str):
    course = get_published_course(slug)
    page = queries.course_page_data(course, current_user)
    if page.enrollment is not None:
        page.extras["progress"] = course_progress(current_user, course, page.outline)
    page.extras["ce"] = ce_checklist(current_user, course)
    return render_template(
        "course/course.html",
        course=course,
        page=page,
        form=EmptyForm(),
        code_form=RedeemCodeForm(),
    )


@bp.post("/courses/<slug>/enroll")
@login_required
def enroll_in_course(slug: str):
    course = get_published_course(slug)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        enroll(current_user, current_user, course.id, is_open=course.is_open)
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("course.course_page", slug=slug))
    except IntegrityError:  # a concurrent double click already enrolled this learner
        db.session.rollback()
    flash(f"You are enrolled in {course.title}.", "success")
    return redirect(url_for("course.course_page", slug=slug))


def _redeem_limit() -> str:
    return current_app.config["CODE_REDEEM_RATE_LIMIT"]


def _redeem_key() -> str:
    return f"redeem-user:{current_user.id}" if current_user.is_authenticated else client_address()


@bp.post("/courses/<slug>/redeem")
# Guessing codes: one budget per account and one per address (a school shares an address,
# so that budget is the same size; a guesser with many accounts still meets it).
@limiter.limit(_redeem_limit, key_func=_redeem_key)
@limiter.limit(_redeem_limit, key_func=lambda: "redeem-address:" + client_address())
@login_required
def redeem(slug: str):
    course = get_published_course(slug)
    form = RedeemCodeForm()
    if not form.validate_on_submit():
        flash("Enter the enrollment code you were given.", "error")
        return redirect(url_for("course.course_page", slug=slug))
    try:
        with user_errors_flashed():
            redeem_code(current_user, form.code.data, course_id=course.id)
            db.session.commit()
            flash(f"Your code is accepted: you are enrolled in {course.title}.", "success")
    except IntegrityError:  # the same learner's double click: the first one enrolled them
        db.session.rollback()
    return redirect(url_for("course.course_page", slug=slug))


@bp.route("/courses/<slug>/leave", methods=["GET", "POST"])
@login_required
def leave(slug: str):
    """A confirmation page (GET, which changes nothing), then the POST that withdraws."""
    course = get_published_course(slug)
    form = EmptyForm()
    if request.method == "GET":
        if not is_enrolled(current_user.id, course.id):
            flash("You are not enrolled in this course.", "info")
            return redirect(url_for("course.course_page", slug=slug))
        return render_template("course/leave.html", course=course, form=form)
    if not form.validate_on_submit():
        abort(400)
    with user_errors_flashed():
        started = has_started(current_user.id, course.id)
        withdraw(current_user, current_user, course.id, started=started)
        db.session.commit()
        flash(
            f"You have left {course.title}. Your progress and records are kept; "
            "enroll again to resume.",
            "success",
        )
    return redirect(url_for("course.course_page", slug=slug))


@bp.get("/dashboard")
@login_required
def dashboard():
    rows = queries.dashboard_rows(current_user)
    courses = [course for _, course in rows]
    checklists = ce_checklists(current_user, courses)
    progress = dashboard_progress(current_user, courses)
    staff_courses = (
        db.session.scalars(queries.published_courses_query()).all() if current_user.is_staff else []
    )
    return render_template(
        "course/dashboard.html",
        rows=rows,
        checklists=checklists,
        progress=progress,
        staff_courses=staff_courses,
        sponsors=sponsors([enrollment.seat_pack_id for enrollment, _ in rows]),
        managed=managed_organisations(current_user),
        organisations_admin=current_user.is_admin,
    )


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
def lesson_page(slug: str, lesson_slug: str):
    course, lesson = get_viewable_lesson(slug, lesson_slug)
    page = queries.lesson_page_data(course, lesson, current_user)
    page.extras["progress"] = course_progress(current_user, course, page.outline)
    return render_template("course/lesson.html", course=course, lesson=lesson, page=page)


@bp.get("/courses/<slug>/lessons/<lesson_slug>/video")
def lesson_video(slug: str, lesson_slug: str):
    course, lesson = get_viewable_lesson(slug, lesson_slug)
    return send_lesson_media(course, lesson.video_file, mimetype=lesson.video_type)


@bp.get("/courses/<slug>/lessons/<lesson_slug>/captions.vtt")
def lesson_captions(slug: str, lesson_slug: str):
    course, lesson = get_viewable_lesson(slug, lesson_slug)
    return send_lesson_media(course, lesson.captions_file, mimetype="text/vtt")


@bp.get("/courses/<slug>/lessons/<lesson_slug>/resources/<name>")
def lesson_resource(slug: str, lesson_slug: str, name: str):
    course, lesson = get_viewable_lesson(slug, lesson_slug)
    resource = lesson.resource_named(name)
    if resource is None:
        abort(404)
    return send_course_file(course, resource["file"], download_name=resource["name"])
