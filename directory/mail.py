"""Sending mail: pages write messages to the outbox table; the `flask send-mail` worker delivers them.

A page never waits on a mail server: `queue_mail` only adds a row to the page's transaction, so a
transaction that rolls back sends nothing. The worker (`deliver_due`) takes due rows one at a time,
sends each over SMTP when MAIL_SERVER is set (else writes it to the log, tokens redacted), and
retries a failure with exponential backoff until MAIL_MAX_ATTEMPTS, then marks it failed.
"""
from __future__ import annotations

import enum
import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import CheckConstraint, DateTime, Index, String, Text, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from directory.database import utcnow
from directory.extensions import Model, db
from directory.redaction import redact_secrets

log = logging.getLogger(__name__)
# A claimed message is left alone this long, so a worker that dies while sending only delays it.
_CLAIM_HOLD = timedelta(minutes=10)
_LONGEST_RETRY_DELAY = timedelta(hours=6)


class OutboxStatus(str, enum.Enum):
    """Where a message is: waiting for (another) attempt, delivered, or given up on."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Model):
    """A message the site sent (or is about to send), with its delivery attempts."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(8), default=OutboxStatus.QUEUED.value,
                                        server_default=OutboxStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last attempt's error.
    error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )


class Mailer(Protocol):
    """Something that delivers an email.message.EmailMessage."""

    def send(self, message: EmailMessage) -> None: ...


class LogMailer:
    """Delivery for machines without a mail server: the message goes to the log, its private links
    redacted (the whole message stays in the outbox table)."""

    def send(self, message: EmailMessage) -> None:
        """Log the message."""
        log.info("Mail to %s: %s\n%s", message["To"], message["Subject"], redact_secrets(message.get_content()))

    def __str__(self) -> str:
        return "the log (MAIL_SERVER is not set)"


class SMTPMailer:
    """Delivery over SMTP, with STARTTLS and a login when configured."""

    def __init__(self, host: str, port: int, username: str = "", password: str = "", use_tls: bool = True,
                 timeout: float = 10):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.use_tls, self.timeout = use_tls, timeout

    def send(self, message: EmailMessage) -> None:
        """Open a connection, send one message, close it."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)

    def __str__(self) -> str:
        return f"SMTP {self.host}:{self.port}"


def build_mailer(config: Any) -> Mailer:
    """SMTP when MAIL_SERVER is configured, else the log."""
    if config.get("MAIL_SERVER"):
        return SMTPMailer(
            config["MAIL_SERVER"],
            int(config.get("MAIL_PORT", 587)),
            config.get("MAIL_USERNAME", ""),
            config.get("MAIL_PASSWORD", ""),
            bool(config.get("MAIL_USE_TLS", True)),
            float(config.get("MAIL_TIMEOUT", 10)),
        )
    return LogMailer()


def init_app(app: Flask) -> None:
    """Bind the configured mailer to the app."""
    app.extensions["mailer"] = build_mailer(app.config)


def queue_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; the worker delivers it once committed."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    return message


# --- The worker ------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """How long to wait after the `attempts`-th failure: base, 2 x base, 4 x base, ... at most six hours."""
    # At least a second, so a pass never meets the message it just failed again.
    seconds = max(base_seconds, 1) * 2 ** min(attempts - 1, 30)
    return min(timedelta(seconds=seconds), _LONGEST_RETRY_DELAY)


def claim_next(now: datetime) -> OutboxMessage | None:
    """Take the oldest message due at `now` and hold it (committed at once) so no other worker sends it.

    On PostgreSQL a row another worker is claiming at that moment is skipped, not waited for; SQLite
    serialises writers, which is enough for its single worker.
    """
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED.value, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if message is None:
        db.session.rollback()
        return None
    message.attempts += 1
    message.next_attempt_at = now + _CLAIM_HOLD
    db.session.commit()
    return message


def _as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


def deliver(message: OutboxMessage, mailer: Mailer, now: datetime | None = None) -> bool:
    """Try to send a claimed message once and record the outcome; True when it went out."""
    config = current_app.config
    try:
        mailer.send(_as_email(message, config["MAIL_DEFAULT_SENDER"]))
    # Whatever stops this message (a dead server, a malformed address) must not stop the worker.
    except Exception as error:  # noqa: BLE001
        _record_failure(message, f"{type(error).__name__}: {error}", now or utcnow())
        db.session.commit()
        return False
    message.status = OutboxStatus.SENT.value
    message.sent_at = utcnow()
    message.error = ""
    db.session.commit()
    return True


def _record_failure(message: OutboxMessage, error: str, now: datetime) -> None:
    config = current_app.config
    message.error = redact_secrets(error)[:1000]
    if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED.value
        log.error("Mail %s to %s failed for good after %s attempts: %s", message.id, message.recipient,
                  message.attempts, message.error)
        return
    message.next_attempt_at = now + retry_delay(message.attempts, config["MAIL_RETRY_SECONDS"])
    log.warning("Mail %s to %s not delivered (attempt %s of %s), next try at %s: %s", message.id,
                message.recipient, message.attempts, config["MAIL_MAX_ATTEMPTS"],
                message.next_attempt_at.isoformat(timespec="seconds"), message.error)


def deliver_due(now: datetime | None = None, stop: threading.Event | None = None) -> DeliveryReport:
    """Deliver every message due at `now` (default: the clock), one at a time, until none is left or `stop`."""
    mailer: Mailer = current_app.extensions["mailer"]
    cutoff = now or utcnow()
    report = DeliveryReport()
    while not (stop and stop.is_set()):
        message = claim_next(cutoff)
        if message is None:
            break
        if deliver(message, mailer, now):
            report.sent += 1
        else:
            report.failed += 1
    return report


def run_worker(stop: threading.Event) -> None:
    """Deliver the outbox every MAIL_POLL_SECONDS until `stop` is set; a database outage is waited out."""
    poll = current_app.config["MAIL_POLL_SECONDS"]
    log.info("Mail worker started, delivering through %s every %ss", current_app.extensions["mailer"], poll)
    while not stop.is_set():
        try:
            deliver_due(stop=stop)
        except OperationalError as error:
            db.session.rollback()
            log.warning("Mail worker: the database did not answer (%s); trying again in %ss",
                        str(error).splitlines()[0], poll)
        stop.wait(poll)
    log.info("Mail worker stopped")


def absolute_url(endpoint: str, **values: Any) -> str:
    """A full URL for a link in a mail, always from SITE_URL: a request's Host header can be forged,
    and a link built from it would mail the token to whoever owns that host."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
