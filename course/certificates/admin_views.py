"""Provider admin: per-course certificate list, history, revoke, reissue, roster and ZIP."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from campus.accounts.licenses import US_STATES
from campus.accounts.models import User
from campus.errors import UserError, user_errors_flashed
from campus.exports import download_response
from campus.extensions import db
from campus.forms import EmptyForm
from campus.inputs import int_arg
from campus.storage import storage
from course.access import get_staff_course, require_staff
from course.certificates import board_files, queries, services
from course.certificates.forms import BoardReportForm, ReissueForm, RevokeForm
from course.certificates.models import BoardReport, Certificate

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
    page = queries.certificate_page(course.id, int_arg("page", 1))
    return render_template(
        "course/certificates/admin_course.html",
        course=course,
        page=page,
        page_url=lambda n: url_for(
            "certificates_admin.course_certificates", slug=slug, page=n if n > 1 else None
        ),
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


@bp.get("/courses/<slug>/board-reports")
@login_required
def board_reports(slug: str):
    course = get_staff_course(slug)
    return _board_reports_page(course, BoardReportForm())


def _board_reports_page(course, form, error: str = "", status: int = 200):
    """The reporting page: what each export would hold now, and the log of what was sent."""
    candidates = {name: queries.report_candidates(course.id, name) for name in board_files.FORMATS}
    return render_template(
        "course/certificates/board_reports.html",
        course=course,
        form=form,
        error=error,
        candidates=candidates,
        formats=board_files.FORMATS,
        cebroker_columns=board_files.CEBROKER_COLUMNS,
        roster_columns=board_files.ROSTER_COLUMNS,
        cebroker_ids=queries.cebroker_ids(course.ce),
        reports=queries.board_reports(course.id),
        can_report=current_user.is_admin,
    ), status


@bp.get("/courses/<slug>/board-reports/preview")
@login_required
def board_report_preview(slug: str):
    """The export as it would be sent now, downloaded without marking anything reported."""
    course = get_staff_course(slug)
    file_format, state = request.args.get("format", ""), request.args.get("state", "")
    if file_format not in board_files.FORMATS or (state and state not in US_STATES):
        abort(400, "Choose a report format and a state from the lists.")
    if file_format == board_files.CEBROKER and queries.cebroker_ids(course.ce) is None:
        abort(409, "The course's CE Broker tracking numbers are not set.")
    rows = queries.report_candidates(course.id, file_format, state).rows
    filename, content = queries.board_file(course, file_format, rows)
    return download_response(content, "text/csv; charset=utf-8", f"PREVIEW-{filename}")


@bp.post("/courses/<slug>/board-reports")
@login_required
def create_board_report(slug: str):
    course = get_staff_course(slug, admin_only=True)  # a report is a record: admins make it
    form = BoardReportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = services.record_board_report(
            current_user, course, form.file_format.data or "", form.state.data or ""
        )
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        return _board_reports_page(course, form, error.message, error.status_code)
    flash(
        f"Reported {report.row_count} completion(s): download the file below and upload it.",
        "success",
    )
    return redirect(url_for(".board_reports", slug=course.slug))


@bp.get("/board-reports/<int:report_id>/file")
@login_required
def board_report_file(report_id: int):
    """The file exactly as it was logged (its SHA-256 is on the log)."""
    require_staff()
    report = db.session.get(BoardReport, report_id)
    if report is None:
        abort(404)
    return download_response(report.content, "text/csv; charset=utf-8", report.filename)


def _dated_download(data, mimetype: str, what: str, course, extension: str):
    """An export named for what it holds, its course and today's UTC date."""
    return download_response(data, mimetype, _dated_name(what, course, extension))


def _dated_name(what: str, course, extension: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return f"{what}-{course.slug}-{stamp}.{extension}"
