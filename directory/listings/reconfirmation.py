""""Still accurate?": which published listings nobody has confirmed for LISTING_RECONFIRM_AFTER_DAYS, the
yearly mail with a one-click link, and the click."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select

from directory.database import committed, utcnow
from directory.extensions import db
from directory.listings.editing import StaleEdit
from directory.listings.links import issue_token
from directory.listings.models import TokenPurpose
from directory.mail import absolute_url, queue_mail
from directory.therapists.models import ListingStatus, Therapist


def confirmed_basis() -> Any:
    """SQL for when the listing was last confirmed: by the therapist, else when it was created."""
    return func.coalesce(Therapist.confirmed_at, Therapist.created_at)


def reconfirmation_due(now: datetime | None = None) -> Any:
    """SQL for published listings nobody has updated or re-confirmed for LISTING_RECONFIRM_AFTER_DAYS."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["LISTING_RECONFIRM_AFTER_DAYS"])
    return and_(
        Therapist.status == ListingStatus.PUBLISHED.value,
        Therapist.is_sample.is_(False),
        Therapist.contact_email.is_not(None),
        confirmed_basis() < cutoff,
    )


def send_reconfirmations(now: datetime | None = None) -> int:
    """Mail a "still accurate?" link for each listing due, once per period: a second run sends nothing."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Therapist)
        .where(
            reconfirmation_due(now),
            or_(Therapist.reconfirmation_sent_at.is_(None), Therapist.reconfirmation_sent_at < confirmed_basis()),
        )
        .order_by(Therapist.id)
    ).all()
    for therapist in due:
        assert therapist.contact_email is not None  # reconfirmation_due selects only listings with one
        token = issue_token(therapist, TokenPurpose.CONFIRM, current_app.config["LISTING_CONFIRM_LINK_DAYS"], now)
        queue_mail(
            therapist.contact_email,
            "Is your KnotFree listing still accurate?",
            f"Hello {therapist.name},\n\nIt has been a year since your listing was last updated. If everything "
            f"in it is still right, one click tells us so:\n{absolute_url('listings.still_accurate', token=token)}"
            f"\n\nIf something has changed, ask for an edit link here:\n{absolute_url('listings.edit_link')}\n\n"
            "Listings nobody confirms may be taken down.\n\nKnotFree Directory",
        )
        therapist.reconfirmation_sent_at = now
    db.session.commit()
    return len(due)


def confirm_still_accurate(therapist: Therapist, now: datetime | None = None) -> None:
    """The therapist says the listing is still right: the 12 months start again."""
    with committed(StaleEdit):
        therapist.confirmed_at = now or utcnow()
