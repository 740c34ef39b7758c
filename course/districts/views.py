"""The district manager's pages (their organisation only) and accepting an invite."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, login_user
from sqlalchemy.exc import IntegrityError

from campus.accounts import services as accounts
from campus.accounts.auth import start_session_clock
from campus.accounts.queries import find_user_by_email
from campus.errors import UserError, user_errors_flashed
from campus.exports import download_response
from campus.extensions import db, limiter
from campus.forms import EmptyForm
from campus.models import utcnow
from campus.organisations import services
from campus.organisations.access import get_managed_invite, get_managed_organisation
from campus.organisations.forms import AcceptInviteForm
from campus.organisations.models import InviteStatus
from campus.organisations.queries import managed_organisations, sponsors
from campus.security_log import security_event
from campus.storage import storage
from course.districts import jobs, queries
from course.models import Course

bp = Blueprint("districts", __name__)


@bp.get("/districts")
@login_required
def my_districts():
    """A manager of one organisation goes straight to it; of several, picks one."""
    organisations = managed_organisations(current_user)
    if len(organisations) == 1:
        return redirect(url_for("districts.district", organisation_id=organisations[0].id))
    if not organisations:
        abort(403)
    return render_template("course/districts/districts.html", organisations=organisations)


@bp.get("/districts/<int:organisation_id>")
@login_required
def district(organisation_id: int):
    organisation = get_managed_organisation(organisation_id)
    return render_template(
        "course/districts/district.html",
        page=queries.district_page(organisation),
        form=EmptyForm(),
        now=utcnow(),
    )


@bp.get("/districts/<int:organisation_id>/roster.csv")
@login_required
def roster(organisation_id: int):
    organisation = get_managed_organisation(organisation_id)
    data = queries.roster_csv(queries.district_page(organisation))
    day = utcnow().strftime("%Y-%m-%d")
    return download_response(data, "text/csv", f"{organisation.name} roster {day}.csv")


@bp.get("/districts/<int:organisation_id>/certificates.zip")
@login_required
def certificates(organisation_id: int):
    """The ZIP when it is built for the certificates as they are now; otherwise a page that
    says where it stands (a job builds it: drawing every PDF would hold a web worker)."""
    organisation = get_managed_organisation(organisation_id)
    export = queries.certificates_zip_export(organisation.id)
    if export.ready:
        day = utcnow().strftime("%Y-%m-%d")
        name = f"{organisation.name} certificates {day}.zip"
        return storage().download(export.key, name, "application/zip")
    return render_template(
        "course/districts/certificates_zip.html",
        organisation=organisation,
        export=export,
        form=EmptyForm(),
    )


@bp.post("/districts/<int:organisation_id>/certificates.zip")
@login_required
def prepare_certificates(organisation_id: int):
    organisation = get_managed_organisation(organisation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    jobs.request_certificates_zip(organisation)
    db.session.commit()
    return redirect(url_for(".certificates", organisation_id=organisation_id))


@bp.post("/districts/<int:organisation_id>/invites/<int:invite_id>/resend")
@login_required
def resend_invite(organisation_id: int, invite_id: int):
    organisation = get_managed_organisation(organisation_id)
    invite = get_managed_invite(organisation, invite_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_errors_flashed():
        services.note_resend(current_user, organisation, invite)
        jobs.queue_invite_emails([[invite.id, invite.times_sent + 1]])
        db.session.commit()
        flash(f"The invitation to {invite.email} is sent again.", "success")
    return redirect(url_for("districts.district", organisation_id=organisation_id))


@bp.post("/districts/<int:organisation_id>/invites/<int:invite_id>/free")
@login_required
def free_seat(organisation_id: int, invite_id: int):
    organisation = get_managed_organisation(organisation_id)
    invite = get_managed_invite(organisation, invite_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_errors_flashed():
        services.free_seat(current_user, organisation, invite)
        db.session.commit()
        flash(f"The invitation to {invite.email} is withdrawn; its seat is free.", "success")
    return redirect(url_for("districts.district", organisation_id=organisation_id))


# --- Accepting an invite ----------------------------------------------------------------


@bp.route("/invites/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def accept(token: str):
    """One step: signed in as the invited address, one button; with an account but signed
    out, sign in first; without an account, a name and password make it and enroll it."""
    try:
        invite = services.invite_for_token(token)
    except UserError as error:
        return _accept_page(problem=error.message), 400
    course = db.session.get(Course, invite.course_id)
    if invite.status == InviteStatus.ACCEPTED:
        flash("This invitation is already accepted.", "info")
        return redirect(url_for("course.course_page", slug=course.slug))
    if current_user.is_authenticated:
        return _accept_signed_in(token, invite, course)
    if find_user_by_email(invite.email) is not None:
        return _accept_page(
            invite=invite,
            course=course,
            sign_in=True,
            token=token,
        )
    return _accept_new_account(token, invite, course)


def _accept_page(**context) -> str:
    """The accept page; it names the organisation whose seat is offered."""
    invite = context.get("invite")
    if invite is not None:
        context["sponsor"] = sponsors([invite.seat_pack_id]).get(invite.seat_pack_id)
    return render_template("course/districts/accept.html", **context)


def _accept_signed_in(token, invite, course):
    form = EmptyForm()
    if not form.validate_on_submit():
        return _accept_page(invite=invite, course=course, form=form, token=token)
    try:
        services.accept_invite(current_user, invite)
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        return _accept_page(
            invite=invite,
            course=course,
            form=form,
            token=token,
            problem=error.message,
        ), error.status_code
    flash(f"You are enrolled in {course.title}.", "success")
    return redirect(url_for("course.course_page", slug=course.slug))


def _accept_new_account(token, invite, course):
    form = AcceptInviteForm()
    if not form.is_submitted():
        form.full_name.data = invite.full_name
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return _accept_page(
            invite=invite,
            course=course,
            form=form,
            token=token,
            new_account=True,
        ), status
    try:
        user = accounts.create_user(
            invite.email, form.full_name.data, form.password.data, time_zone=form.time_zone.data
        )
        services.accept_invite(user, invite)
        db.session.commit()
    except IntegrityError:  # a double click: the first request made the account
        db.session.rollback()
        flash("Your account is ready: log in to continue.", "info")
        return redirect(url_for("accounts.login", next=url_for("districts.accept", token=token)))
    except UserError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _accept_page(
            invite=invite,
            course=course,
            form=form,
            token=token,
            new_account=True,
        ), 400
    session.clear()
    login_user(user)
    start_session_clock()
    security_event("signup", "success", user.id)
    flash(f"Welcome! You are enrolled in {course.title}.", "success")
    return redirect(url_for("course.course_page", slug=course.slug))
