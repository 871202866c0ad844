"""Sending mail: every message is written to the outbox table, then delivered after the commit.

By default delivery only writes the message to the log, so the site works with no mail server;
with MAIL_SERVER set it goes out over SMTP. Services call `queue_mail` inside their transaction
and `deliver_queued` after committing it, so a failed transaction never sends anything.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import DateTime, String, Text, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.extensions import db
from directory.therapists.models import utcnow

log = logging.getLogger(__name__)
_QUEUED = "mail_queued"


class OutboxMessage(db.Model):
    """A message the site sent (or is about to send)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str] = mapped_column(Text, default="")


class Mailer(Protocol):
    """Something that delivers an email.message.EmailMessage."""

    def send(self, message: EmailMessage) -> None: ...


class LogMailer:
    """Delivery for machines without a mail server: the message goes to the log (it is in the outbox too)."""

    def send(self, message: EmailMessage) -> None:
        """Log the message."""
        log.info("Mail to %s: %s\n%s", message["To"], message["Subject"], message.get_content())


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


def build_mailer(config: Any) -> Mailer:
    """SMTP when MAIL_SERVER is configured, else the log."""
    if config.get("MAIL_SERVER"):
        return SMTPMailer(
            config["MAIL_SERVER"],
            int(config.get("MAIL_PORT", 587)),
            config.get("MAIL_USERNAME", ""),
            config.get("MAIL_PASSWORD", ""),
            bool(config.get("MAIL_USE_TLS", True)),
        )
    return LogMailer()


def init_app(app: Flask) -> None:
    """Bind the configured mailer to the app."""
    app.extensions["mailer"] = build_mailer(app.config)


def queue_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; `deliver_queued` sends it after the commit."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    db.session.info.setdefault(_QUEUED, []).append(message)
    return message


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    """Messages queued in a transaction that rolled back were never stored: never send them."""
    session.info.pop(_QUEUED, None)


def deliver_queued() -> int:
    """Deliver the messages queued in this session since it last delivered; returns how many went out."""
    queued: list[OutboxMessage] = db.session.info.pop(_QUEUED, [])
    # Expired by the commit: read the keys from the identity map instead of reloading each message.
    ids = [state.identity[0] for state in map(inspect, queued) if state.persistent]
    if not ids:
        return 0
    mailer: Mailer = current_app.extensions["mailer"]
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    sent = 0
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))):
        email = EmailMessage()
        email["From"] = sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email.set_content(message.body)
        try:
            mailer.send(email)
        except (OSError, smtplib.SMTPException) as error:
            log.exception("Could not send mail %s to %s", message.id, message.recipient)
            message.error = str(error)[:1000]
        else:
            message.sent_at = utcnow()
            sent += 1
    db.session.commit()
    return sent


def absolute_url(endpoint: str, **values: Any) -> str:
    """A full URL for a link in a mail, always from SITE_URL: a request's Host header can be forged,
    and a link built from it would mail the token to whoever owns that host."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
