"""Proposed changes awaiting review, private links, and problem reports about listings."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.database import utcnow
from directory.extensions import Model
from directory.therapists.models import Therapist


class RevisionStatus(str, enum.Enum):
    """Where a proposed change is: waiting, decided, or replaced by the therapist's own later edit."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Revision(Model):
    """A therapist's edit of a published listing: the whole proposed listing as JSON, applied on approval."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=RevisionStatus.PENDING.value)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("admins.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Bumped by every UPDATE (optimistic locking): the review page carries it, so a moderator's decision
    # applies only to the content they saw, never to an edit the therapist sent in the meantime.
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    therapist: Mapped[Therapist] = relationship(back_populates="revisions")

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="status_known"),
        Index("ix_revisions_status_created_at", "status", "created_at"),
    )
    __mapper_args__ = {"version_id_col": version}


class TokenPurpose(str, enum.Enum):
    """What a private link lets its holder do."""

    EDIT = "edit"
    CONFIRM = "confirm"


class ListingToken(Model):
    """A private link to a listing. Only the SHA-256 of the token is stored; the token itself is mailed."""

    __tablename__ = "listing_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    therapist: Mapped[Therapist] = relationship(back_populates="tokens")

    __table_args__ = (CheckConstraint("purpose IN ('edit', 'confirm')", name="purpose_known"),)


class ReportReason(str, enum.Enum):
    """Why someone reports a listing."""

    WRONG_CONTACT = "wrong_contact"
    CLOSED = "closed"
    NOT_LICENSED = "not_licensed"
    NOT_ME = "not_me"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The reason as the report form words it."""
        return REPORT_REASON_LABELS[self]


REPORT_REASON_LABELS = {
    ReportReason.WRONG_CONTACT: "The phone number, email or address is wrong",
    ReportReason.CLOSED: "The practice has closed",
    ReportReason.NOT_LICENSED: "This person is not licensed",
    ReportReason.NOT_ME: "This is me, and I did not list myself: please remove it",
    ReportReason.OTHER: "Something else",
}


class ReportStatus(str, enum.Enum):
    """Whether a moderator has dealt with a report."""

    OPEN = "open"
    RESOLVED = "resolved"


class Report(Model):
    """A problem with a listing reported by a member of the public; lands in the moderators' queue."""

    __tablename__ = "listing_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(24))
    details: Mapped[str] = mapped_column(Text, default="")
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("admins.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(Text, default="")

    therapist: Mapped[Therapist] = relationship(back_populates="reports")

    __table_args__ = (
        CheckConstraint(
            "reason IN ('wrong_contact', 'closed', 'not_licensed', 'not_me', 'other')", name="reason_known"
        ),
        CheckConstraint("status IN ('open', 'resolved')", name="status_known"),
        Index("ix_listing_reports_status_created_at", "status", "created_at"),
    )

    @property
    def reason_label(self) -> str:
        """The reason in words."""
        return ReportReason(self.reason).label
