"""Who may see and act for an organisation: provider admins, and that organisation's own
managers. A manager of one district reaches nothing of another."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import exists, select

from campus.enrollment.models import SeatPack
from campus.extensions import db
from campus.organisations.models import Invite, Organisation, OrganisationManager


def manages(user, organisation_id: int) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    OrganisationManager.organisation_id == organisation_id,
                    OrganisationManager.user_id == user.id,
                )
            )
        )
    )


def get_managed_organisation(organisation_id: int) -> Organisation:
    """The organisation the signed-in user manages (admins: any), else 404 or 403."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    if not manages(current_user, organisation.id):
        abort(403)
    return organisation


def get_managed_invite(organisation: Organisation, invite_id: int) -> Invite:
    """An invite on one of `organisation`'s packs; another district's invite is a 404."""
    invite = db.session.scalar(
        select(Invite)
        .join(SeatPack, SeatPack.id == Invite.seat_pack_id)
        .where(Invite.id == invite_id, SeatPack.organisation_id == organisation.id)
    )
    if invite is None:
        abort(404)
    return invite


def require_admin() -> None:
    if not current_user.is_admin:
        abort(403)
