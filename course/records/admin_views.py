"""Admin pages of the audit packet: ask for one per course and date range, watch it build,
download it. Admins only: a packet holds every learner's email and license number."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from campus.errors import user_errors_flashed
from campus.extensions import db
from campus.storage import storage
from course.access import get_staff_course
from course.records import queries, services
from course.records.forms import PacketForm
from course.records.models import AuditPacket

bp = Blueprint("records_admin", __name__)


@bp.get("/courses/<slug>/audit-packets")
@login_required
def packets(slug: str):
    course = get_staff_course(slug, admin_only=True)
    return _packets_page(course, PacketForm())


def _packets_page(course, form, status: int = 200):
    packets = queries.course_packets(course.id)
    return (
        render_template(
            "course/records/packets.html",
            course=course,
            form=form,
            packets=packets,
            in_progress=any(item.in_progress for item in packets),
        ),
        status,
    )


@bp.post("/courses/<slug>/audit-packets")
@login_required
def request_packet(slug: str):
    course = get_staff_course(slug, admin_only=True)
    form = PacketForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _packets_page(course, form, 400)
    with user_errors_flashed():
        services.request_packet(current_user, course, form.starts_on.data, form.ends_on.data)
        db.session.commit()
        flash("The audit packet is being built. This page shows where it stands.", "success")
        return redirect(url_for(".packets", slug=slug))
    return _packets_page(course, form, 400)


@bp.get("/courses/<slug>/audit-packets/<int:packet_id>.zip")
@login_required
def download_packet(slug: str, packet_id: int):
    course = get_staff_course(slug, admin_only=True)
    packet = db.session.get(AuditPacket, packet_id)
    if packet is None or packet.course_id != course.id:
        abort(404)
    if packet.built_at is None or packet.purged_at is not None:
        abort(409)
    name = f"audit-packet-{course.slug}-{packet.starts_on}-to-{packet.ends_on}.zip"
    return storage().download(packet.storage_key, name, "application/zip")
