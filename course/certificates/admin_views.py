"""Provider admin: per-course certificate list, history, revoke, reissue, roster and ZIP."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from campus.accounts.models import User
from campus.errors import user_errors_flashed
from campus.exports import download_response
from campus.extensions import db
from campus.forms import EmptyForm
from campus.storage import storage
from course.access import get_staff_course, require_staff
from course.certificates import queries, services
from course.certificates.forms import ReissueForm, RevokeForm
from course.certificates.models import Certificate

bp = Blueprint("certificates_admin", __name__, url_prefix="/admin")


def _certificate(code: str) -> Certificate:
    certificate = queries.find_certificate(code)
    if certificate is None:
        abort(404)
    return certificate


@bp.get("/courses/<slug>/certificates")
@login_required
def course_certificates(slug: str):
    course = get_staff_course(slug)
    certificates = queries.course_certificates(course.id)
    return render_template(
        "course/certificates/admin_course.html",
        course=course,
        certificates=certificates,
    )


@bp.get("/certificates/<code>")
@login_required
def certificate_detail(code: str):
    require_staff()
    certificate = _certificate(code)
    chain = queries.history(certificate)
    actor_ids = {e.actor_id for _, events in chain for e in events if e.actor_id}
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
    return render_template(
        "course/certificates/admin_certificate.html",
        certificate=certificate,
        chain=chain,
        actors=actors,
        can_amend=services.can_amend(current_user, certificate),
        revoke_form=RevokeForm(),
        reissue_form=ReissueForm(),
    )


@bp.post("/certificates/<code>/revoke")
@login_required
def revoke(code: str):
    require_staff(admin_only=True)  # instructors read records; admins amend them
    certificate = _certificate(code)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash("Give a reason for the revocation (up to 500 characters).", "error")
        return redirect(url_for(".certificate_detail", code=certificate.code))
    with user_errors_flashed():
        services.revoke_certificate(current_user, certificate, form.reason.data, form.category.data)
        db.session.commit()
        flash(f"Certificate {certificate.code} is revoked.", "success")
    return redirect(url_for(".certificate_detail", code=certificate.code))


@bp.post("/certificates/<code>/reissue")
@login_required
def reissue(code: str):
    require_staff(admin_only=True)  # instructors read records; admins amend them
    certificate = _certificate(code)
    form = ReissueForm()
    if not form.validate_on_submit():
        abort(400)
    target = certificate
    with user_errors_flashed():
        target = services.reissue_certificate(current_user, certificate, form.reason.data)
        db.session.commit()
        flash(f"Reissued as {target.code}; {certificate.code} now points to it.", "success")
    return redirect(url_for(".certificate_detail", code=target.code))


@bp.get("/courses/<slug>/certificates/roster.csv")
@login_required
def roster(slug: str):
    course = get_staff_course(slug)
    return _dated_download(
        queries.roster_csv(course.id), "text/csv; charset=utf-8", "roster", course, "csv"
    )


@bp.get("/courses/<slug>/certificates.zip")
@login_required
def certificates_zip(slug: str):
    """The ZIP when it is built for the certificates as they are now; otherwise a page that
    says where it stands (a job builds it: zipping every PDF would hold a web worker)."""
    course = get_staff_course(slug)
    export = queries.zip_export(course.id)
    if export.ready:
        return storage().download(
            export.key, _dated_name("certificates", course, "zip"), "application/zip"
        )
    return render_template(
        "course/certificates/zip_export.html", course=course, export=export, form=EmptyForm()
    )


@bp.post("/courses/<slug>/certificates.zip")
@login_required
def prepare_certificates_zip(slug: str):
    course = get_staff_course(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.request_certificates_zip(course)
    db.session.commit()
    return redirect(url_for(".certificates_zip", slug=slug))


def _dated_download(data, mimetype: str, what: str, course, extension: str):
    """An export named for what it holds, its course and today's UTC date."""
    return download_response(data, mimetype, _dated_name(what, course, extension))


def _dated_name(what: str, course, extension: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return f"{what}-{course.slug}-{stamp}.{extension}"
