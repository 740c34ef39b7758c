"""District emails: an invitation (a signed link) or, for an existing account enrolled at
once, a note that says so.

A job names each invite with the send it asks for (1 for the first email, 2 for the
first re-send, ...). An invite already sent that many times is skipped, and each send is
committed as soon as the mail server takes it, so a retry after a worker died part-way,
or a second delivery of the job, emails nobody twice."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template
from sqlalchemy import select

from campus.audit.models import AuditEntry
from campus.audit.services import record
from campus.enrollment.models import SeatPack
from campus.extensions import db
from campus.jobs.registry import job, periodic
from campus.jobs.services import enqueue
from campus.mail import build_message, mail_connection
from campus.models import utcnow
from campus.organisations import services as organisations
from campus.organisations.models import Invite, InviteStatus, Organisation
from campus.organisations.services import invite_token
from campus.storage import storage
from campus.urls import external_url
from course.districts import queries
from course.models import Course


@job("districts.invite_emails")
def send_invites(sends: list[list[int]]) -> None:
    """Send each ``[invite_id, nth]`` not yet sent ``nth`` times over one SMTP connection;
    freed invites are skipped. A mail failure raises: the queue retries what is left."""
    wanted = dict((invite_id, nth) for invite_id, nth in sends)
    invite_ids = list(wanted)
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
            if invite.times_sent >= wanted[invite.id]:
                continue  # this send already went out (a retry or a second delivery)
            send(_message(invite, course, organisation, days))
            invite.sent_at = utcnow()
            invite.times_sent = wanted[invite.id]
            db.session.commit()  # a failure part-way keeps the record of who was sent


def queue_invite_emails(sends: list[list[int]]) -> None:
    """Ask for each ``[invite_id, nth]`` email in the caller's transaction (one job)."""
    if sends:
        enqueue("districts.invite_emails", sends)


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


@job("districts.certificates_zip")
def build_certificates_zip(organisation_id: int, version: str) -> bool:
    """Zip the district's current certificates into the file for ``version``; False when
    it exists. The file is named for its version, so a retry or a duplicate delivery builds
    no second file; a certificate issued or revoked since is a new version and a new job."""
    files, key = storage(), queries.certificates_zip_key(organisation_id, version)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or files.exists(key):
        return False
    data = queries.certificates_zip(queries.district_page(organisation))
    files.put(key, data, "application/zip")
    return True


def request_certificates_zip(organisation: Organisation):
    """Ask, in the caller's transaction, for the job that zips the district's certificates
    as they are now (one job per version: asking twice queues nothing new)."""
    version = queries.certificates_zip_version(organisation.id)
    return enqueue(
        "districts.certificates_zip",
        organisation.id,
        version,
        key=queries.certificates_zip_job_key(organisation.id, version),
    )


# --- Seats that expire ----------------------------------------------------------------


@job("districts.expire_seats")
def expire_seats() -> int:
    """The daily pass (SEAT_EXPIRY_CRON): settle the waiting invites of expired packs
    (their seats go back, audited), then ask for one notice per pack that expires within
    SEAT_EXPIRY_NOTICE_DAYS with unclaimed seats. The notice's job key names the pack and
    its expiry, so the next day's pass, or a second run, asks for nothing new; a pack
    extended by the provider gets a notice for its new date."""
    now = utcnow()
    expired = organisations.expire_waiting_invites(now)
    within = timedelta(days=current_app.config["SEAT_EXPIRY_NOTICE_DAYS"])
    for pack in queries.packs_expiring_with_unclaimed_seats(now, within):
        stamp = pack.expires_at.strftime("%Y-%m-%dT%H:%M")
        enqueue("districts.expiry_notice", pack.id, stamp, key=_notice_key(pack.id, stamp))
    db.session.commit()
    return expired


def _notice_key(pack_id: int, stamp: str) -> str:
    return f"seat-expiry-notice:{pack_id}:{stamp}"


@job("districts.expiry_notice")
def send_expiry_notice(pack_id: int, stamp: str) -> bool:
    """Email the organisation's managers that the pack's unclaimed seats expire soon;
    False when there is nothing to say. The audit row written after the mail server took
    every message is the send record: a retry or a duplicate delivery sends nothing."""
    pack = db.session.get(SeatPack, pack_id)
    if pack is None or pack.expires_at is None or _noticed(pack_id, stamp):
        return False
    if pack.expires_at.strftime("%Y-%m-%dT%H:%M") != stamp or pack.is_expired(utcnow()):
        return False  # extended since (a new notice) or already past: nothing to warn of
    unclaimed = queries.unclaimed_seats(pack)
    organisation = db.session.get(Organisation, pack.organisation_id)
    managers = queries.managers_of(organisation)
    if unclaimed <= 0 or not managers:
        return False
    course = db.session.get(Course, pack.course_id)
    subject = f"{unclaimed} seat(s) in {course.title} expire soon"
    text = render_template(
        "course/districts/email/seats_expiring.txt",
        organisation=organisation,
        course=course,
        pack=pack,
        unclaimed=unclaimed,
        link=external_url("districts.district", organisation_id=organisation.id),
    )
    with mail_connection() as send:
        for manager in managers:
            send(build_message(manager.email, subject, text))
    record(
        None,
        "seats.expiry_notice",
        "seat_pack",
        pack.id,
        course_id=pack.course_id,
        note=stamp,
        after={"unclaimed": unclaimed, "managers": len(managers)},
    )
    db.session.commit()
    return True


def _noticed(pack_id: int, stamp: str) -> bool:
    return (
        db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.action == "seats.expiry_notice",
                AuditEntry.target_type == "seat_pack",
                AuditEntry.target_id == pack_id,
                AuditEntry.note == stamp,
            )
        )
        is not None
    )


periodic("districts.expire_seats", "SEAT_EXPIRY_CRON")
