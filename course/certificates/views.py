"""Learner and public certificate pages: claim, download, My certificates, /verify."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from campus.exports import download_response
from campus.extensions import db, limiter
from course.certificates import queries
from course.certificates.forms import VerifyForm
from course.certificates.models import Certificate
from course.certificates.pdf import certificate_pdf, pdf_filename

bp = Blueprint("certificates", __name__)
VERIFY_LIMIT = "30 per minute;300 per day"


@bp.get("/certificates")
@login_required
def my_certificates():
    certificates = queries.transcript(current_user)
    total = round(sum(c.contact_hours for c in certificates if c.counts_for_credit), 2)
    return render_template(
        "course/certificates/my_certificates.html",
        certificates=certificates,
        total=total,
        reported=queries.reported_on([c.id for c in certificates]),
    )


@bp.get("/certificates/<code>.pdf")
@login_required
def download(code: str):
    certificate = queries.find_certificate(code)
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
        code = queries.normalize_code(form.code.data)
        if code is None:
            form.code.errors.append("A code has 16 letters and digits, like 7KQ2-M9TX-4HVA-R3PD.")
        else:
            return redirect(url_for("certificates.verify", code=code))
    return render_template("course/certificates/verify_form.html", form=form), (
        400 if form.errors else 200
    )


@bp.get("/verify/<code>.json")
@limiter.shared_limit(VERIFY_LIMIT, scope="verify")
def verify_json(code: str):
    """The verification for machines (a board's or employer's system): the same facts as the
    page, as JSON at a URL of its own (no content negotiation: a link is enough), open to any
    origin (CORS *, no credentials), under the same rate limit as the page."""
    certificate = queries.find_certificate(code)
    if certificate is None:
        return jsonify(status="not_found", code=code[:40]), 404
    successor = None
    if certificate.superseded_by_id is not None:
        successor = db.session.get(Certificate, certificate.superseded_by_id)
    return jsonify(queries.verification(certificate, successor))


@bp.after_request
def _open_to_any_origin(response):
    """Anyone may read a verification from any site: it is public and needs no cookies."""
    if request.endpoint == "certificates.verify_json":
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/verify/<code>")
@limiter.shared_limit(VERIFY_LIMIT, scope="verify")
def verify(code: str):
    certificate = queries.find_certificate(code)
    if certificate is None:
        return render_template(
            "course/certificates/verify.html", certificate=None, code=code[:40], form=VerifyForm()
        ), 404
    successor = None
    if certificate.superseded_by_id is not None:
        successor = db.session.get(Certificate, certificate.superseded_by_id)
    return render_template(
        "course/certificates/verify.html",
        certificate=certificate,
        snapshot=certificate.snapshot,
        successor=successor,
        form=VerifyForm(),
    )
