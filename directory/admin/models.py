"""Moderators and the audit log of what they did."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.database import utcnow
from directory.extensions import Model


class Admin(UserMixin, Model):
    """A moderator who can sign in to /admin. Passwords are stored as werkzeug hashes only."""

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # In the session cookie beside the id; a new one at sign-in, sign-out and password change ends every
    # other copy of the cookie. None: no session is valid.
    session_token: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("email <> ''", name="email_not_empty"),)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the current session token."""
        return f"{self.id}:{self.session_token}"


class LoginLockout(Model):
    """Wrong passwords typed for one sign-in email, from any address; kept for unknown emails too, so a
    pause says nothing about whether the account exists. The email is stored only as its SHA-256."""

    __tablename__ = "login_lockouts"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("failures > 0", name="failures_positive"),)


class AuditAction:
    """The moderation actions the audit log records."""

    APPROVE_LISTING = "approve_listing"
    REJECT_LISTING = "reject_listing"
    APPROVE_REVISION = "approve_revision"
    REJECT_REVISION = "reject_revision"
    VERIFY_LICENSE = "verify_license"
    UNPUBLISH = "unpublish"
    RESOLVE_REPORT = "resolve_report"

    LABELS = {
        APPROVE_LISTING: "Approved and published the listing",
        REJECT_LISTING: "Rejected the listing",
        APPROVE_REVISION: "Approved changes",
        REJECT_REVISION: "Rejected changes",
        VERIFY_LICENSE: "Verified the license",
        UNPUBLISH: "Unpublished the listing",
        RESOLVE_REPORT: "Closed a problem report",
    }


class AuditLog(Model):
    """One moderation action: who, when, what, why. Kept when the listing or the moderator is deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("admins.id", ondelete="SET NULL"), index=True)
    admin_email: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("therapists.id", ondelete="SET NULL"), index=True)
    therapist_name: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    admin: Mapped[Admin | None] = relationship()

    __table_args__ = (CheckConstraint("action <> ''", name="action_not_empty"),)

    @property
    def action_label(self) -> str:
        """The action in words."""
        return AuditAction.LABELS.get(self.action, self.action)
