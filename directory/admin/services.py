"""Moderation as plain functions: sign-in, the queue, approving and rejecting, verifying, unpublishing.

Every action is one transaction that also writes an AuditLog row; mail to the therapist is queued in it.
"""
from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from directory.admin.models import Admin, AuditAction, AuditLog, LoginLockout
from directory.database import aware, committed, utcnow
from directory.extensions import db
from directory.listings.models import Report, ReportStatus, Revision, RevisionStatus
from directory.admin.duplicates import DuplicateCandidate, DuplicateFlag, find_duplicates
from directory.listings.data import ListingData, write_listing
from directory.listings.moderation import FieldChange, revision_diff
from directory.listings.reconfirmation import confirmed_basis, reconfirmation_due
from directory.listings.rules import normalize_email
from directory.mail import absolute_url, queue_mail
from directory.search.services import Vocabulary
from directory.security import hash_token
from directory.therapists.models import ListingStatus, Therapist

MIN_PASSWORD_LENGTH = 12


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


# --- Moderators ------------------------------------------------------------------------------


def _valid_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")


def create_admin(email: str, password: str) -> Admin:
    """Add a moderator; the password is stored only as a werkzeug hash."""
    email = normalize_email(email)
    if "@" not in email:
        raise ValueError("That does not look like an email address.")
    _valid_password(password)
    if db.session.scalar(select(Admin.id).where(Admin.email == email)) is not None:
        raise ValueError(f"There is already a moderator with the email {email}.")
    admin = Admin(email=email, password_hash=generate_password_hash(password))
    db.session.add(admin)
    db.session.commit()
    return admin


def find_admin(email: str) -> Admin | None:
    """The moderator with this email, if any."""
    return db.session.scalar(select(Admin).where(Admin.email == normalize_email(email)))


def change_password(admin: Admin, password: str) -> None:
    """Give the moderator a new password; every session they had ends."""
    _valid_password(password)
    admin.password_hash = generate_password_hash(password)
    rotate_session_token(admin)
    db.session.commit()


# --- Sessions --------------------------------------------------------------------------------


def rotate_session_token(admin: Admin) -> None:
    """A new session token (in the current transaction): cookies holding the old one stop working."""
    admin.session_token = secrets.token_urlsafe(32)


def admin_for_session(session_id: str) -> Admin | None:
    """The moderator whose current session this is ("id:token", as Admin.get_id gives it), or None."""
    admin_id, _, token = session_id.partition(":")
    if not admin_id.isdigit() or not token or len(admin_id) > 18:
        return None
    admin = db.session.get(Admin, int(admin_id))
    if admin is None or admin.session_token is None:
        return None
    return admin if hmac.compare_digest(admin.session_token.encode(), token.encode()) else None


def end_session(admin: Admin) -> None:
    """Sign out: the session token changes, so a copy of the cookie is signed out too."""
    rotate_session_token(admin)
    db.session.commit()


# --- Signing in ------------------------------------------------------------------------------

LOCKOUT_AFTER = 5
LOCKOUT_FIRST = timedelta(minutes=1)
LOCKOUT_LONGEST = timedelta(hours=1)
# Wrong passwords spread over more than a day are typos, not an attack: counting starts again.
FAILURES_FORGOTTEN_AFTER = timedelta(days=1)


class SignInPaused(Exception):
    """Too many wrong passwords for this email, from wherever: no password is checked for `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"Sign-in paused for {seconds} s")
        self.seconds = seconds


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not the password of anybody")


def _email_hash(email: str) -> str:
    return hash_token(normalize_email(email))


def lockout_delay(failures: int) -> timedelta | None:
    """How long sign-ins wait after this many wrong passwords in a row: doubling from the fifth, capped."""
    if failures < LOCKOUT_AFTER:
        return None
    return min(LOCKOUT_FIRST * 2 ** min(failures - LOCKOUT_AFTER, 12), LOCKOUT_LONGEST)


def _refuse_while_locked(email_hash: str, now: datetime) -> None:
    locked_until = aware(db.session.scalar(
        select(LoginLockout.locked_until).where(LoginLockout.email_hash == email_hash)))
    if locked_until is not None and locked_until > now:
        raise SignInPaused(math.ceil((locked_until - now).total_seconds()))


def _record_failure(email_hash: str, now: datetime) -> None:
    """Count one wrong password in a single statement, so concurrent workers cannot lose a count."""
    count: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(LoginLockout) if db.session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(LoginLockout)
    )
    forgotten = now - FAILURES_FORGOTTEN_AFTER
    count = count.values(email_hash=email_hash, failures=1, last_failed_at=now).on_conflict_do_update(
        index_elements=[LoginLockout.email_hash],
        set_={"failures": case((LoginLockout.last_failed_at < forgotten, 1), else_=LoginLockout.failures + 1),
              "last_failed_at": now},
    )
    delay = lockout_delay(db.session.scalar(count.returning(LoginLockout.failures)) or 1)
    if delay is not None:
        db.session.execute(update(LoginLockout).where(LoginLockout.email_hash == email_hash)
                           .values(locked_until=now + delay))
    # Rows for emails nobody has tried for a day are of no more use (most are unknown emails).
    db.session.execute(delete(LoginLockout).where(LoginLockout.last_failed_at < forgotten))
    db.session.commit()


def authenticate(email: str, password: str, now: datetime | None = None) -> Admin | None:
    """The moderator with this email and password, now signed in with a new session token, or None.

    Unknown emails are counted and paused like real ones and take as long, so neither the answer nor
    its timing says whether an account exists. Raises SignInPaused while the email is locked out.
    """
    now = now or utcnow()
    email_hash = _email_hash(email)
    _refuse_while_locked(email_hash, now)
    admin = find_admin(email)
    stored_hash = admin.password_hash if admin else _dummy_hash()
    if not check_password_hash(stored_hash, password) or admin is None:
        _record_failure(email_hash, now)
        return None
    db.session.execute(delete(LoginLockout).where(LoginLockout.email_hash == email_hash))
    admin.last_login_at = now
    rotate_session_token(admin)
    db.session.commit()
    return admin


# --- The queue -------------------------------------------------------------------------------


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
    revision = next((r for r in therapist.revisions if r.status == RevisionStatus.PENDING.value), None)
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


# --- Actions ---------------------------------------------------------------------------------


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
