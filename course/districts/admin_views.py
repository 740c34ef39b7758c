"""The provider admin's organisation pages: create an organisation with its managers,
sell it seat packs, and invite a CSV list onto a pack (a per-row report comes back)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campus.accounts.models import User
from campus.accounts.queries import find_user_by_email
from campus.enrollment.models import SeatPack
from campus.errors import UserError, user_errors_flashed
from campus.extensions import db
from campus.forms import EmptyForm
from campus.organisations import services
from campus.organisations.access import get_managed_organisation, require_admin
from campus.organisations.forms import (
    InviteUploadForm,
    ManagerForm,
    OrganisationForm,
    SeatPackForm,
)
from campus.organisations.invite_csv import read_invite_csv
from campus.timezones import zone_of
from course.districts import jobs, queries
from course.models import Course

bp = Blueprint("districts_admin", __name__)


@bp.get("/admin/organisations")
@login_required
def organisations():
    require_admin()
    return _organisations_page(OrganisationForm())


def _organisations_page(form: OrganisationForm, status: int = 200):
    return render_template(
        "course/districts/organisations.html",
        organisations=queries.organisations_overview(),
        form=form,
    ), status


@bp.post("/admin/organisations")
@login_required
def create_organisation():
    require_admin()
    form = OrganisationForm()
    if not form.validate_on_submit():
        return _organisations_page(form, 400)
    try:
        organisation = services.create_organisation(
            current_user, form.name.data, form.manager_emails()
        )
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _organisations_page(form, 400)
    flash(f"{organisation.name} is created.", "success")
    return redirect(url_for("districts_admin.organisation", organisation_id=organisation.id))


@bp.get("/admin/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int):
    require_admin()
    return _organisation_page(get_managed_organisation(organisation_id))


def _organisation_page(organisation, status: int = 200, **forms):
    pack_form = forms.get("pack_form") or SeatPackForm()
    pack_form.course_id.choices = _course_choices()
    return render_template(
        "course/districts/organisation.html",
        organisation=organisation,
        page=queries.district_page(organisation),
        managers=queries.managers_of(organisation),
        manager_form=forms.get("manager_form") or ManagerForm(),
        pack_form=pack_form,
        upload_form=forms.get("upload_form") or InviteUploadForm(),
        form=EmptyForm(),
    ), status


def _course_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Course.id, Course.title).order_by(Course.title))
    return [(course_id, title) for course_id, title in rows]


@bp.post("/admin/organisations/<int:organisation_id>/managers")
@login_required
def add_manager(organisation_id: int):
    require_admin()
    organisation = get_managed_organisation(organisation_id)
    form = ManagerForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, 400, manager_form=form)
    with user_errors_flashed():
        user = find_user_by_email(form.email.data)
        if user is None:
            raise UserError("No account has that email. Ask them to sign up first.")
        services.add_manager(current_user, organisation, user)
        db.session.commit()
        flash(f"{user.full_name} manages {organisation.name}.", "success")
    return redirect(url_for("districts_admin.organisation", organisation_id=organisation_id))


@bp.post("/admin/organisations/<int:organisation_id>/managers/<int:user_id>/remove")
@login_required
def remove_manager(organisation_id: int, user_id: int):
    require_admin()
    organisation = get_managed_organisation(organisation_id)
    if not EmptyForm().validate_on_submit():
        return _organisation_page(organisation, 400)
    with user_errors_flashed():
        user = db.session.get(User, user_id)
        if user is None:
            raise UserError("No such account.", 404)
        services.remove_manager(current_user, organisation, user)
        db.session.commit()
        flash(f"{user.full_name} no longer manages {organisation.name}.", "success")
    return redirect(url_for("districts_admin.organisation", organisation_id=organisation_id))


@bp.post("/admin/organisations/<int:organisation_id>/packs")
@login_required
def create_pack(organisation_id: int):
    require_admin()
    organisation = get_managed_organisation(organisation_id)
    form = SeatPackForm()
    form.course_id.choices = _course_choices()
    if not form.validate_on_submit():
        return _organisation_page(organisation, 400, pack_form=form)
    with user_errors_flashed():
        pack = services.create_seat_pack(
            current_user,
            organisation,
            form.course_id.data,
            seats=form.seats.data,
            expires_at=_end_of_day(form.expires_on.data),
            reference=form.reference.data,
        )
        db.session.commit()
        flash(f"{pack.seats} seats sold to {organisation.name} ({pack.reference}).", "success")
    return redirect(url_for("districts_admin.organisation", organisation_id=organisation_id))


def _end_of_day(day):
    """Seats 'expire after' a date: they work until midnight that day, in the admin's zone."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1), time(), zone_of(current_user))


@bp.post("/admin/organisations/<int:organisation_id>/packs/<int:pack_id>/invites")
@login_required
def invite_list(organisation_id: int, pack_id: int):
    """Upload a CSV of names and emails; the page that comes back reports every row."""
    require_admin()
    organisation = get_managed_organisation(organisation_id)
    pack = db.session.get(SeatPack, pack_id)
    if pack is None or pack.organisation_id != organisation.id:
        return _organisation_page(organisation, 404)
    form = InviteUploadForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, 400, upload_form=form)
    try:
        lines = read_invite_csv(form.file.data.read())
        report = services.invite_list(current_user, pack, lines)
        jobs.queue_invite_emails([[invite_id, 1] for invite_id in report.invite_ids])
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        form.file.errors = [error.message]
        return _organisation_page(organisation, error.status_code or 400, upload_form=form)
    except IntegrityError:  # another upload inviting the same people committed first
        db.session.rollback()
        form.file.errors = [
            "Another upload inviting some of the same people finished a moment ago; "
            "nothing from this one was saved. Upload it again to see who is left."
        ]
        return _organisation_page(organisation, 409, upload_form=form)
    return render_template(
        "course/districts/invite_report.html",
        organisation=organisation,
        pack=pack,
        course=db.session.get(Course, pack.course_id),
        report=report,
    ), (409 if report.refusal else 200)
