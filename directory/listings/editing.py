"""The therapist's own changes through the private edit link: saving an edit (straight away, or as a revision
for review once the listing has been published), unpublishing, publishing again, deleting.

Every change is refused with StaleEdit when the listing changed since the page showed it."""
from __future__ import annotations

import enum
from datetime import datetime

from directory.database import committed, utcnow
from directory.extensions import db
from directory.listings.data import ListingData, write_listing
from directory.listings.models import Revision, RevisionStatus
from directory.listings.rules import normalize_email
from directory.therapists.models import ListingStatus, Therapist


class StaleEdit(Exception):
    """The listing changed after the form was opened: the save is refused, nothing is overwritten."""


class EditOutcome(str, enum.Enum):
    """What saving an edit did."""

    SAVED = "saved"
    SENT_FOR_REVIEW = "sent_for_review"
    NO_CHANGES = "no_changes"


def pending_revision(therapist: Therapist) -> Revision | None:
    """The change waiting for review, if any (there is at most one per listing)."""
    return next((r for r in therapist.revisions if r.status == RevisionStatus.PENDING.value), None)


def editable_data(therapist: Therapist) -> ListingData:
    """What the edit form starts from: the change waiting for review, else the listing."""
    revision = pending_revision(therapist)
    return ListingData.from_json(revision.data) if revision else ListingData.from_therapist(therapist)


def has_been_published(therapist: Therapist) -> bool:
    """Whether the public has seen this listing, so changes must be reviewed before they show."""
    return therapist.status in (ListingStatus.PUBLISHED.value, ListingStatus.UNPUBLISHED.value)


def save_edit(therapist: Therapist, data: ListingData, contact_email: str, expected_version: int,
              now: datetime | None = None) -> EditOutcome:
    """Save the therapist's edit: straight onto a listing never published, else as a revision to review.

    Refused with StaleEdit when the listing changed since the form showed version `expected_version`.
    """
    if therapist.version != expected_version:
        raise StaleEdit
    with committed(StaleEdit):
        return _save_edit(therapist, data, contact_email, now or utcnow())


def _save_edit(therapist: Therapist, data: ListingData, contact_email: str, now: datetime) -> EditOutcome:
    therapist.contact_email = normalize_email(contact_email)
    therapist.confirmed_at = now
    if not has_been_published(therapist):
        if data.license_number != therapist.license_number or data.license_state != therapist.license_state:
            therapist.license_verified_at = therapist.license_verified_by_id = None
        write_listing(therapist, data)
        # A rejected listing, edited, goes back to the moderators.
        therapist.status = ListingStatus.PENDING.value
        return EditOutcome.SAVED
    revision = pending_revision(therapist)
    if data == ListingData.from_therapist(therapist):
        if revision is not None:
            revision.status = RevisionStatus.WITHDRAWN.value
            revision.decided_at = now
        return EditOutcome.NO_CHANGES
    if revision is None:
        revision = Revision(therapist=therapist, created_at=now)
        db.session.add(revision)
    revision.data = data.to_json()
    return EditOutcome.SENT_FOR_REVIEW


class NotAllowed(Exception):
    """The therapist cannot do this to the listing in its current state (the message says why)."""


def unpublish_own(therapist: Therapist, expected_version: int) -> None:
    """The therapist takes their published listing off the site; they can publish it again later."""
    if therapist.version != expected_version:
        raise StaleEdit
    if therapist.status != ListingStatus.PUBLISHED.value:
        raise NotAllowed("Only a published listing can be unpublished.")
    with committed(StaleEdit):
        therapist.status = ListingStatus.UNPUBLISHED.value


def publish_own(therapist: Therapist, expected_version: int) -> None:
    """The therapist puts back a listing they unpublished (not one a moderator took down)."""
    if therapist.version != expected_version:
        raise StaleEdit
    if therapist.status != ListingStatus.UNPUBLISHED.value:
        raise NotAllowed("Only an unpublished listing can be published again.")
    if therapist.held_by_moderator:
        raise NotAllowed("A moderator unpublished this listing, so only a moderator can publish it again. "
                         "Reply to their email if you think this was a mistake.")
    with committed(StaleEdit):
        therapist.status = ListingStatus.PUBLISHED.value


def delete_listing(therapist: Therapist) -> None:
    """Delete the listing for good, with its locations, revisions, reports and links."""
    with committed(StaleEdit):
        db.session.delete(therapist)
