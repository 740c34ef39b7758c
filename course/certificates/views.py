"""Learner and public certificate pages: claim, download, My certificates, /verify."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from campus.accounts.forms import EmptyForm
from campus.errors import UserError
from campus.exports import download_response
from campus.extensions import db, limiter
from course.access import get_published_course
from course.certificates import services
from course.certificates.forms import VerifyForm
from course.certificates.models import Certificate
from course.certificates.notify import certificate_pdf, email_certificate, pdf_filename
from course.models import Course

bp = Blueprint("certificates", __name__)
VERIFY_LIMIT = "30 per minute;300 per day"


def issue_and_email(user, course: Course) -> Certificate:
    """Issue (idempotent), commit, then email a newly issued certificate. Raises UserError."""
    certificate, created = services.issue_certificate(user, course)
    db.session.commit()
    if created:
        if email_certificate(certificate, user.email):
            services.record(certificate, "emailed", None, user.email)
            db.session.commit()
            flash("Your certificate is ready; we also emailed it to you.", "success")
        else:
            flash("Your certificate is ready. We could not email it; download it below.", "error")
    return certificate


@bp.post("/courses/<slug>/certificate")
@login_required
def claim(slug: str):
    course = get_published_course(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        issue_and_email(current_user, course)
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("course.course_page", slug=slug))


@bp.get("/certificates")
@login_required
def my_certificates():
    certificates = services.transcript(current_user)
    total = round(sum(c.contact_hours for c in certificates if c.is_valid), 2)
    return render_template("course/ce/my_certificates.html", certificates=certificates, total=total)


@bp.get("/certificates/<code>.pdf")
@login_required
def download(code: str):
    certificate = services.find_certificate(code)
    # Another learner's certificate is answered exactly like an unknown one.
    if certificate is None or not (certificate.user_id == current_user.id or current_user.is_staff):
        abort(404)
    return download_response(
        certificate_pdf(certificate), "application/pdf", pdf_filename(certificate)
    )


@bp.get("/verify")
@limiter.limit(VERIFY_LIMIT)
def verify_form():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        code = services.normalize_code(form.code.data)
        if code is None:
            form.code.errors.append("A code has 16 letters and digits, like 7KQ2-M9TX-4HVA-R3PD.")
        else:
            return redirect(url_for("certificates.verify", code=code))
    return render_template("course/ce/verify_form.html", form=form), (400 if form.errors else 200)


@bp.get("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify(code: str):
    certificate = services.find_certificate(code)
    if certificate is None:
        return render_template(
            "course/ce/verify.html", certificate=None, code=code[:40], form=VerifyForm()
        ), 404
    successor = None
    if certificate.superseded_by_id is not None:
        successor = db.session.get(Certificate, certificate.superseded_by_id)
    return render_template(
        "course/ce/verify.html",
        certificate=certificate,
        snapshot=certificate.snapshot,
        successor=successor,
        form=VerifyForm(),
    )
