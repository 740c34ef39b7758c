"""District emails: an invitation (a signed link) or, for an existing account enrolled at
once, a note that says so. A job by ids, so a queue can run it later instead of
after_response; it records each send and commits."""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select

from campus.enrollment.models import SeatPack
from campus.extensions import db
from campus.mail import build_message, mail_connection
from campus.models import utcnow
from campus.organisations.models import Invite, InviteStatus, Organisation
from campus.organisations.services import invite_token
from campus.urls import external_url
from course.models import Course


def send_invites(invite_ids: list[int]) -> None:
    """Send each invite's email over one SMTP connection; freed invites are skipped."""
    rows = (
        db.session.execute(
            select(Invite, Course, Organisation)
            .join(SeatPack, SeatPack.id == Invite.seat_pack_id)
            .join(Course, Course.id == Invite.course_id)
            .join(Organisation, Organisation.id == SeatPack.organisation_id)
            .where(Invite.id.in_(invite_ids), Invite.status != InviteStatus.FREED)
            .order_by(Invite.id)
        )
        .tuples()
        .all()
    )
    days = current_app.config["INVITE_MAX_AGE"] // 86400
    with mail_connection() as send:
        for invite, course, organisation in rows:
            send(_message(invite, course, organisation, days))
            invite.sent_at = utcnow()
            invite.times_sent += 1
            db.session.commit()  # a failure part-way keeps the record of who was sent


def _message(invite: Invite, course: Course, organisation: Organisation, days: int):
    if invite.status == InviteStatus.ACCEPTED:
        subject = f"{organisation.name} enrolled you in {course.title}"
        link = external_url("course.course_page", slug=course.slug)
        template = "course/districts/email/enrolled.txt"
    else:
        subject = f"{organisation.name} invites you to {course.title}"
        link = external_url("districts.accept", token=invite_token(invite))
        template = "course/districts/email/invite.txt"
    text = render_template(
        template, invite=invite, course=course, organisation=organisation, link=link, days=days
    )
    return build_message(invite.email, subject, text)
