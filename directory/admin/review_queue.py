"""What waits for the moderators, oldest first (new listings, changes, reports, listings due to be
re-confirmed), one listing as they review it, and the audit log's pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.admin.duplicates import DuplicateCandidate, DuplicateFlag, find_duplicates
from directory.admin.models import AuditLog
from directory.database import aware
from directory.extensions import db
from directory.listings.data import ListingData
from directory.listings.editing import pending_revision
from directory.listings.models import Report, ReportStatus, Revision, RevisionStatus
from directory.listings.moderation import FieldChange, revision_diff
from directory.listings.reconfirmation import confirmed_basis, reconfirmation_due
from directory.search.vocabulary import Vocabulary
from directory.therapists.models import ListingStatus, Therapist


@dataclass
class QueueItem:
    """A listing waiting for a decision, with what the moderator needs to decide."""

    therapist: Therapist
    revision: Revision | None = None
    duplicates: list[DuplicateFlag] = field(default_factory=list)

    @property
    def waiting_since(self) -> datetime:
        """When it joined the queue."""
        return aware(self.revision.created_at if self.revision else self.therapist.created_at)


@dataclass
class Queue:
    """Everything waiting for the moderators, oldest first."""

    submissions: list[QueueItem]
    revisions: list[QueueItem]
    reports: list[Report]
    stale: list[Therapist]


def _candidate(key: Any, therapist: Therapist, data: ListingData) -> DuplicateCandidate:
    return DuplicateCandidate(key, therapist.id, data.name, therapist.contact_email,
                              [(loc.latitude, loc.longitude) for loc in data.locations])


def load_queue(now: datetime | None = None) -> Queue:
    """New submissions, pending revisions, open reports and listings due for re-confirmation."""
    listing_options = (selectinload(Therapist.locations), selectinload(Therapist.modalities),
                       selectinload(Therapist.conditions))
    submissions = db.session.scalars(
        select(Therapist).where(Therapist.status == ListingStatus.PENDING.value)
        .order_by(Therapist.created_at, Therapist.id).options(*listing_options)
    ).all()
    revisions = db.session.scalars(
        select(Revision).where(Revision.status == RevisionStatus.PENDING.value)
        .order_by(Revision.created_at, Revision.id)
        .options(selectinload(Revision.therapist).options(*listing_options))
    ).all()
    reports = db.session.scalars(
        select(Report).where(Report.status == ReportStatus.OPEN.value)
        .order_by(Report.created_at, Report.id).options(selectinload(Report.therapist))
    ).all()
    stale = db.session.scalars(
        select(Therapist).where(reconfirmation_due(now)).order_by(confirmed_basis(), Therapist.id)
    ).all()
    candidates = [_candidate(("t", t.id), t, ListingData.from_therapist(t)) for t in submissions]
    candidates += [_candidate(("r", r.id), r.therapist, ListingData.from_json(r.data)) for r in revisions]
    flags = find_duplicates(candidates)
    return Queue(
        submissions=[QueueItem(t, duplicates=flags[("t", t.id)]) for t in submissions],
        revisions=[QueueItem(r.therapist, r, flags[("r", r.id)]) for r in revisions],
        reports=list(reports),
        stale=list(stale),
    )


@dataclass
class Review:
    """One listing as the moderator reviews it."""

    therapist: Therapist
    revision: Revision | None
    changes: list[FieldChange]
    proposed: ListingData | None
    duplicates: list[DuplicateFlag]
    reports: list[Report]
    history: list[AuditLog]


def load_review(therapist_id: int, vocabulary: Vocabulary) -> Review | None:
    """A listing with its pending revision's diff, duplicate flags, open reports and audit history."""
    therapist = db.session.scalar(
        select(Therapist).where(Therapist.id == therapist_id).options(
            selectinload(Therapist.locations), selectinload(Therapist.modalities),
            selectinload(Therapist.conditions), selectinload(Therapist.revisions), selectinload(Therapist.reports),
        )
    )
    if therapist is None:
        return None
    revision = pending_revision(therapist)
    current = ListingData.from_therapist(therapist)
    proposed = ListingData.from_json(revision.data) if revision else None
    changes = revision_diff(current, proposed, vocabulary) if proposed else []
    flags = find_duplicates([_candidate("x", therapist, proposed or current)])["x"]
    history = db.session.scalars(
        select(AuditLog).where(AuditLog.therapist_id == therapist.id).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    ).all()
    reports = [r for r in therapist.reports if r.status == ReportStatus.OPEN.value]
    return Review(therapist, revision, changes, proposed, flags, reports, list(history))


# Past this page the offset would not fit a database integer; nobody pages that far.
AUDIT_PAGES_MAX = 10**9


def audit_page(page: int, per_page: int = 50) -> Any:
    """A page of the audit log, newest first."""
    return db.paginate(
        select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).options(selectinload(AuditLog.admin)),
        page=page, per_page=per_page, error_out=False,
    )
