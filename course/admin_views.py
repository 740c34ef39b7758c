"""Staff pages on a course's enrollment codes: list, create and revoke (admins only)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from campus.enrollment.forms import CreateCodeForm
from campus.enrollment.models import EnrollmentCode, SeatPack
from campus.enrollment.queries import course_codes, pack_choices
from campus.enrollment.services import create_code, revoke_code
from campus.errors import user_errors_flashed
from campus.extensions import db
from campus.forms import EmptyForm
from campus.models import utcnow
from campus.timezones import zone_of
from course.access import get_staff_course
from course.models import Course

bp = Blueprint("course_admin", __name__)


@bp.get("/courses/<slug>/codes")
@login_required
def codes(slug: str):
    course = get_staff_course(slug, admin_only=True)
    return _codes_page(course, CreateCodeForm())


def _codes_page(course: Course, create_form: CreateCodeForm, status: int = 200):
    create_form.seat_pack_id.choices = pack_choices(course.id)
    return render_template(
        "course/codes.html",
        course=course,
        codes=course_codes(course.id),
        now=utcnow(),
        create_form=create_form,
        form=EmptyForm(),
    ), status


@bp.post("/courses/<slug>/codes")
@login_required
def create(slug: str):
    course = get_staff_course(slug, admin_only=True)
    form = CreateCodeForm()
    form.seat_pack_id.choices = pack_choices(course.id)
    if not form.validate_on_submit():
        return _codes_page(course, form, 400)
    with user_errors_flashed():
        code = create_code(
            current_user,
            course.id,
            max_uses=form.max_uses.data,
            expires_at=_end_of_day(form.expires_on.data),
            label=form.label.data or "",
            seat_pack=db.session.get(SeatPack, form.seat_pack_id.data or 0),
        )
        db.session.commit()
        flash(f"Code {code.code} created.", "success")
    return redirect(url_for("course_admin.codes", slug=slug))


def _end_of_day(day):
    """A code 'expires after' a date: it works until midnight that day, in the admin's zone."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1), time(), zone_of(current_user))


@bp.post("/courses/<slug>/codes/<int:code_id>/revoke")
@login_required
def revoke(slug: str, code_id: int):
    course = get_staff_course(slug, admin_only=True)
    code = db.session.scalar(
        select(EnrollmentCode).where(
            EnrollmentCode.id == code_id, EnrollmentCode.course_id == course.id
        )
    )
    if code is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_errors_flashed():
        revoke_code(current_user, code)
        db.session.commit()
        flash(f"Code {code.code} is revoked; it enrolls nobody from now on.", "success")
    return redirect(url_for("course_admin.codes", slug=slug))
