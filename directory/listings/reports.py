"""Problems with a listing, reported by the public, for the moderators' queue."""
from __future__ import annotations

from datetime import datetime

from directory.database import utcnow
from directory.extensions import db
from directory.listings.models import Report, ReportReason
from directory.listings.rules import normalize_email
from directory.therapists.models import Therapist


def file_report(therapist: Therapist, reason: ReportReason, details: str, reporter_email: str | None,
                now: datetime | None = None) -> Report:
    """Put a problem with a listing in the moderators' queue."""
    report = Report(
        therapist=therapist,
        reason=reason.value,
        details=details,
        reporter_email=normalize_email(reporter_email) if reporter_email else None,
        created_at=now or utcnow(),
    )
    db.session.add(report)
    db.session.commit()
    return report
