"""Moderators' decisions: approve or reject a listing or its changes, verify a license, unpublish, close a
report. Each applies to exactly the version the moderator reviewed, is one transaction with its AuditLog
row, and queues the mail that tells the therapist."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from directory.admin.models import Admin, AuditAction, AuditLog
from directory.database import committed, utcnow
from directory.extensions import db
from directory.listings.data import ListingData, write_listing
from directory.listings.models import Report, ReportStatus, Revision, RevisionStatus
from directory.mail import absolute_url, queue_mail
from directory.therapists.models import ListingStatus, Therapist


class ModerationError(Exception):
    """The action does not apply to the listing in its current state (the message says why)."""


REVIEW_CHANGED = "This listing changed since you opened it; review the new version."


class ReviewChanged(ModerationError):
    """What the moderator reviewed is no longer what is there: nothing was done; show them the new version."""

    def __init__(self) -> None:
        super().__init__(REVIEW_CHANGED)


def _as_reviewed(version: int, seen_version: int) -> None:
    # Only the early answer: the UPDATE's version check (version_id_col) makes it hold until the commit.
    if version != seen_version:
        raise ReviewChanged


def _audit(admin: Admin, action: str, therapist: Therapist, reason: str = "", **details: Any) -> None:
    db.session.add(AuditLog(admin_id=admin.id, admin_email=admin.email, action=action, therapist_id=therapist.id,
                            therapist_name=therapist.name, reason=reason, details=details))


def _tell_therapist(therapist: Therapist, subject: str, body: str) -> None:
    if therapist.contact_email:
        queue_mail(therapist.contact_email, subject, f"Hello {therapist.name},\n\n{body}\n\nKnotFree Directory")


def approve_listing(therapist: Therapist, admin: Admin, seen_version: int, now: datetime | None = None) -> None:
    """Publish a new, rejected or unpublished listing (lifting a moderator's hold), as it was at `seen_version`."""
    if therapist.status == ListingStatus.PUBLISHED.value:
        raise ModerationError("This listing is already published.")
    _as_reviewed(therapist.version, seen_version)
    with committed(ReviewChanged):
        therapist.status = ListingStatus.PUBLISHED.value
        therapist.held_by_moderator = False
        therapist.last_checked_at = now or utcnow()
        _audit(admin, AuditAction.APPROVE_LISTING, therapist)
        _tell_therapist(therapist, "Your listing is published",
                        "A moderator approved your listing. It is on the site now:\n"
                        + absolute_url("therapists.profile", slug=therapist.slug))


def reject_listing(therapist: Therapist, admin: Admin, reason: str, seen_version: int) -> None:
    """Turn down a new listing as it was at `seen_version`, telling the therapist why (they can fix it and
    submit again)."""
    if therapist.status != ListingStatus.PENDING.value:
        raise ModerationError("Only a listing waiting for review can be rejected; unpublish a published one.")
    _as_reviewed(therapist.version, seen_version)
    with committed(ReviewChanged):
        therapist.status = ListingStatus.REJECTED.value
        _audit(admin, AuditAction.REJECT_LISTING, therapist, reason)
        _tell_therapist(therapist, "Your listing was not approved",
                        f"A moderator could not approve your listing, for this reason:\n\n{reason}\n\n"
                        "You can change it with your private edit link and it will be reviewed again.")


def _revision_as_reviewed(revision: Revision, seen_version: int) -> None:
    if revision.status == RevisionStatus.WITHDRAWN.value:
        # The therapist took these changes back or replaced them: another revision may be waiting.
        raise ReviewChanged
    if revision.status != RevisionStatus.PENDING.value:
        raise ModerationError("These changes have already been decided.")
    _as_reviewed(revision.version, seen_version)


def approve_revision(revision: Revision, admin: Admin, seen_version: int, now: datetime | None = None) -> None:
    """Apply the proposed fields to the public listing, all at once, if they are still those of `seen_version`."""
    _revision_as_reviewed(revision, seen_version)
    now = now or utcnow()
    therapist = revision.therapist
    data = ListingData.from_json(revision.data)
    with committed(ReviewChanged):
        if (data.license_number, data.license_state) != (therapist.license_number, therapist.license_state):
            # The verification was of the old license.
            therapist.license_verified_at = therapist.license_verified_by_id = None
        write_listing(therapist, data)
        therapist.last_checked_at = now
        revision.status = RevisionStatus.APPROVED.value
        revision.decided_at, revision.decided_by_id = now, admin.id
        _audit(admin, AuditAction.APPROVE_REVISION, therapist, revision_id=revision.id)
        _tell_therapist(therapist, "Your changes are published",
                        "A moderator approved the changes to your listing. They are on the site now:\n"
                        + absolute_url("therapists.profile", slug=therapist.slug))


def reject_revision(revision: Revision, admin: Admin, reason: str, seen_version: int,
                    now: datetime | None = None) -> None:
    """Turn down proposed changes, as they were at `seen_version`; the public listing stays as it is."""
    _revision_as_reviewed(revision, seen_version)
    with committed(ReviewChanged):
        revision.status = RevisionStatus.REJECTED.value
        revision.decided_at, revision.decided_by_id, revision.reason = now or utcnow(), admin.id, reason
        _audit(admin, AuditAction.REJECT_REVISION, revision.therapist, reason, revision_id=revision.id)
        _tell_therapist(revision.therapist, "Your changes were not approved",
                        f"A moderator could not approve the changes to your listing, for this reason:\n\n{reason}"
                        "\n\nYour public listing is unchanged. You can edit it again with your private edit link.")


def verify_license(therapist: Therapist, admin: Admin, seen_version: int, now: datetime | None = None) -> None:
    """Record that a moderator checked the license shown at `seen_version` with the state board."""
    _as_reviewed(therapist.version, seen_version)
    now = now or utcnow()
    with committed(ReviewChanged):
        therapist.license_verified_at = now
        therapist.license_verified_by_id = admin.id
        therapist.last_checked_at = now
        _audit(admin, AuditAction.VERIFY_LICENSE, therapist, license_number=therapist.license_number,
               license_state=therapist.license_state)


def unpublish_listing(therapist: Therapist, admin: Admin, reason: str, now: datetime | None = None) -> None:
    """Take a listing off the site at once; only a moderator can put it back. Closes its open reports."""
    published = therapist.status == ListingStatus.PUBLISHED.value
    unpublished_by_therapist = therapist.status == ListingStatus.UNPUBLISHED.value and not therapist.held_by_moderator
    if not (published or unpublished_by_therapist):
        raise ModerationError("Only a published listing (or one its therapist unpublished) can be unpublished.")
    now = now or utcnow()
    with committed(ReviewChanged):
        therapist.status = ListingStatus.UNPUBLISHED.value
        therapist.held_by_moderator = True
        for report in therapist.reports:
            if report.status == ReportStatus.OPEN.value:
                report.status, report.resolved_at, report.resolved_by_id = ReportStatus.RESOLVED.value, now, admin.id
                report.resolution = f"Listing unpublished: {reason}"
        _audit(admin, AuditAction.UNPUBLISH, therapist, reason)
        _tell_therapist(therapist, "Your listing was unpublished",
                        f"A moderator took your listing off the site, for this reason:\n\n{reason}\n\n"
                        "Reply to this email if you think this was a mistake.")


def resolve_report(report: Report, admin: Admin, note: str, now: datetime | None = None) -> None:
    """Close a problem report (after fixing, or finding nothing wrong)."""
    if report.status != ReportStatus.OPEN.value:
        raise ModerationError("This report is already closed.")
    with committed(ReviewChanged):
        report.status, report.resolved_at = ReportStatus.RESOLVED.value, now or utcnow()
        report.resolved_by_id, report.resolution = admin.id, note
        _audit(admin, AuditAction.RESOLVE_REPORT, report.therapist, note, report_id=report.id,
               report_reason=report.reason)
