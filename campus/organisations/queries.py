"""Reads about organisations that other areas show: who sponsors an enrollment."""

from __future__ import annotations

from sqlalchemy import select

from campus.enrollment.models import SeatPack
from campus.extensions import db
from campus.organisations.models import Organisation, OrganisationManager


def sponsors(pack_ids: list[int | None]) -> dict[int, str]:
    """Seat pack id -> the name of the organisation that bought it, in one query."""
    ids = sorted({pack_id for pack_id in pack_ids if pack_id is not None})
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(SeatPack.id, Organisation.name)
            .join(Organisation, Organisation.id == SeatPack.organisation_id)
            .where(SeatPack.id.in_(ids))
        )
        .tuples()
        .all()
    )


def managed_organisations(user) -> list[Organisation]:
    """The organisations a user manages (admins: every one), by name, in one query."""
    if not user.is_authenticated:
        return []
    query = select(Organisation).order_by(Organisation.name)
    if not user.is_admin:
        query = query.join(
            OrganisationManager, OrganisationManager.organisation_id == Organisation.id
        ).where(OrganisationManager.user_id == user.id)
    return list(db.session.scalars(query))
