"""Mail: pages only queue it; the `flask send-mail` worker delivers it, retrying with backoff, tokens never logged."""
from __future__ import annotations

import email
import email.policy
import io
import logging
import smtplib
import socketserver
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator

import flask_migrate
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from directory import create_app, mail
from directory.database import aware, utcnow
from directory.extensions import db
from directory.mail import (
    OutboxMessage,
    SMTPMailer,
    absolute_url,
    claim_next,
    deliver_due,
    queue_mail,
    retry_delay,
    run_worker,
)
from tests.conftest import _config
from tests.listings.conftest import listing_data, make_listing, outbox, post_form  # noqa: F401

SECRET_LINK = "http://directory.test/list-your-practice/edit/s3cretTOKENs3cretTOKENs3cretTOKEN"


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- Fake SMTP servers on a local port ---------------------------------------------------------


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    connections = 0
    received: list[bytes]
    release: threading.Event


class _HangingHandler(socketserver.BaseRequestHandler):
    """Accepts the connection and never says a word (until the test ends)."""

    def handle(self) -> None:
        self.server.connections += 1
        self.server.release.wait()


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        self.server.connections += 1
        self._reply("220 fake.test ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self._reply("354 end with a dot")
                self.server.received.append(b"".join(iter(self.rfile.readline, b".\r\n")))
                self._reply("250 queued")
            elif verb == b"QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 fake.test")

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


@contextmanager
def _smtp_server(handler: type[socketserver.BaseRequestHandler]) -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), handler)
    server.received, server.release = [], threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def _use_smtp(app, server: _Server, timeout: float) -> None:
    app.extensions["mailer"] = mail.build_mailer({
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.server_address[1], "MAIL_USE_TLS": False,
        "MAIL_TIMEOUT": timeout,
    })


# --- Pages only queue ----------------------------------------------------------------------------


def test_queued_mail_waits_in_the_outbox_for_the_worker(app):
    queue_mail("dana@example.com", "Hello", "Body text")
    db.session.commit()
    [message] = _outbox()
    assert (message.recipient, message.subject, message.body) == ("dana@example.com", "Hello", "Body text")
    assert (message.status, message.attempts, message.sent_at) == ("queued", 0, None)


def test_a_rolled_back_transaction_leaves_nothing_to_send(app):
    queue_mail("dana@example.com", "Never", "Rolled back")
    db.session.flush()
    db.session.rollback()
    assert deliver_due().sent == 0 and _outbox() == []


def test_a_page_that_queues_mail_answers_at_once_while_the_smtp_server_hangs(app, client, make_listing, outbox):
    make_listing()
    with _smtp_server(_HangingHandler) as server:
        _use_smtp(app, server, timeout=10)
        started = time.perf_counter()
        page = post_form(client, "/list-your-practice/edit-link", {"contact_email": "dana.private@example.com"})
        elapsed = time.perf_counter() - started
        assert page.status_code == 200 and elapsed < 5
        assert server.connections == 0
    assert [m.status for m in outbox()] == ["queued", "queued"]


# --- The worker ----------------------------------------------------------------------------------


def test_the_worker_records_a_hanging_server_retries_later_and_then_delivers(app):
    queue_mail("dana@example.com", "Your link", f"Here:\n{SECRET_LINK}")
    db.session.commit()
    with _smtp_server(_HangingHandler) as hanging:
        _use_smtp(app, hanging, timeout=0.3)
        before = utcnow()
        assert deliver_due() == mail.DeliveryReport(sent=0, failed=1)
    [message] = _outbox()
    assert (message.status, message.attempts, message.sent_at) == ("queued", 1, None)
    assert "timed out" in message.error
    wait = aware(message.next_attempt_at) - before
    assert timedelta(seconds=app.config["MAIL_RETRY_SECONDS"]) <= wait < timedelta(seconds=70)
    assert deliver_due().sent == 0, "not due yet"
    with _smtp_server(_SMTPHandler) as working:
        _use_smtp(app, working, timeout=5)
        assert deliver_due(now=utcnow() + wait).sent == 1
        [received] = working.received
    delivered = email.message_from_bytes(received, policy=email.policy.default)
    assert delivered["To"] == "dana@example.com" and SECRET_LINK in delivered.get_content()
    db.session.refresh(message)
    assert (message.status, message.attempts, message.error) == ("sent", 2, "")
    assert message.sent_at is not None


def test_failures_back_off_exponentially_then_the_message_is_marked_failed(app, caplog):
    class Broken:
        def send(self, message):
            raise smtplib.SMTPServerDisconnected("gone")

    app.extensions["mailer"] = Broken()
    app.config.update(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_SECONDS=60)
    queue_mail("dana@example.com", "Lost?", "No")
    db.session.commit()
    [message] = _outbox()
    now, waits = utcnow(), []
    with caplog.at_level(logging.WARNING, logger="directory.mail"):
        for _ in range(3):
            assert deliver_due(now=now).failed == 1
            db.session.refresh(message)
            waits.append(aware(message.next_attempt_at) - now)
            now = aware(message.next_attempt_at)
    assert waits[:2] == [timedelta(seconds=60), timedelta(seconds=120)]
    assert (message.status, message.attempts, message.error) == ("failed", 3, "SMTPServerDisconnected: gone")
    failed_for_good = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failed_for_good] == [
        f"Mail {message.id} to dana@example.com failed for good after 3 attempts: SMTPServerDisconnected: gone"]
    assert deliver_due(now=now + timedelta(days=30)) == mail.DeliveryReport()


def test_retry_delays_double_up_to_six_hours():
    assert [retry_delay(n, 60).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(40, 60) == timedelta(hours=6)


def test_a_claimed_message_is_held_so_no_second_worker_takes_it(app):
    for subject in ("first", "second"):
        queue_mail("dana@example.com", subject, "Hi")
    db.session.commit()
    now = utcnow()
    assert [claim_next(now).subject, claim_next(now).subject] == ["first", "second"]
    assert claim_next(now) is None


def test_on_postgresql_a_worker_skips_the_row_another_is_claiming(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite runs a single mail worker")
    for subject in ("first", "second"):
        queue_mail("dana@example.com", subject, "Hi")
    db.session.commit()
    with Session(db.engine) as other_worker:
        locked = other_worker.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id).limit(1).with_for_update()).one()
        assert locked.subject == "first"
        # Without SKIP LOCKED this would wait for the other worker (and hit the lock timeout).
        assert claim_next(utcnow()).subject == "second"
        other_worker.rollback()


def test_smtp_is_used_when_mail_server_is_set(app, monkeypatch):
    class FakeSMTP:
        """Stands in for smtplib.SMTP and records what the mailer did."""

        calls: list = []

        def __init__(self, host, port, timeout):
            self.calls.append(("connect", host, port, timeout))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            self.calls.append(("starttls",))

        def login(self, username, password):
            self.calls.append(("login", username, password))

        def send_message(self, message):
            self.calls.append(("send", message["From"], message["To"], message["Subject"], message.get_content()))

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    config = {"MAIL_SERVER": "smtp.example.org", "MAIL_PORT": 2525, "MAIL_USERNAME": "user",
              "MAIL_PASSWORD": "secret", "MAIL_USE_TLS": True, "MAIL_TIMEOUT": 7}
    app.extensions["mailer"] = mail.build_mailer(config)
    assert isinstance(app.extensions["mailer"], SMTPMailer)
    queue_mail("dana@example.com", "Over SMTP", "Hi")
    db.session.commit()
    assert deliver_due().sent == 1
    assert FakeSMTP.calls == [
        ("connect", "smtp.example.org", 2525, 7), ("starttls",), ("login", "user", "secret"),
        ("send", app.config["MAIL_DEFAULT_SENDER"], "dana@example.com", "Over SMTP", "Hi\n"),
    ]
    assert _outbox()[0].status == "sent"


def test_send_mail_once_drains_the_outbox_and_says_what_it_did(app, runner):
    queue_mail("dana@example.com", "Hello", "Body text")
    db.session.commit()
    result = runner.invoke(args=["send-mail", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 not delivered" in result.output
    assert _outbox()[0].status == "sent"


def test_the_worker_loop_delivers_until_stopped(app):
    stop = threading.Event()
    sent = []

    class Recorder:
        def send(self, message):
            sent.append(message["Subject"])
            stop.set()

    app.extensions["mailer"] = Recorder()
    queue_mail("dana@example.com", "Hello", "Body text")
    db.session.commit()
    run_worker(stop)
    assert sent == ["Hello"] and _outbox()[0].status == "sent"


def test_migration_0008_keeps_what_happened_to_existing_mail(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path / 'outbox.sqlite3'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="0005")
        db.session.execute(text(
            "INSERT INTO outbox (recipient, subject, body, created_at, sent_at, error) VALUES "
            "('a@example.com', 'sent', '', '2026-01-01 00:00:00', '2026-01-01 00:00:01', ''),"
            "('b@example.com', 'failed', '', '2026-01-01 00:00:00', NULL, 'gone'),"
            "('c@example.com', 'never tried', '', '2026-01-01 00:00:00', NULL, '')"))
        db.session.commit()
        flask_migrate.upgrade()
        rows = db.session.execute(text("SELECT subject, status, attempts, next_attempt_at FROM outbox ORDER BY id"))
        assert [tuple(row) for row in rows] == [
            ("sent", "sent", 1, "2026-01-01 00:00:00"), ("failed", "failed", 1, "2026-01-01 00:00:00"),
            ("never tried", "queued", 0, "2026-01-01 00:00:00")]
        db.session.remove()
        flask_migrate.downgrade(revision="0005")
        assert db.session.scalar(text("SELECT count(*) FROM outbox")) == 3
        db.session.remove()
        db.engine.dispose()


# --- No secret in a log ----------------------------------------------------------------------------


def test_the_log_mailer_never_logs_a_private_link(app, runner, caplog):
    assert isinstance(app.extensions["mailer"], mail.LogMailer)
    app_log = io.StringIO()
    app.logger.handlers[0].setStream(app_log)
    queue_mail("dana@example.com", "Your link", f"Here is your private link:\n{SECRET_LINK}")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="directory.mail"):
        assert runner.invoke(args=["send-mail", "--once"]).exit_code == 0
    for output in (caplog.text, app_log.getvalue()):
        assert "Mail to dana@example.com: Your link" in output
        assert "/list-your-practice/edit/[redacted]" in output and "s3cretTOKEN" not in output
    assert SECRET_LINK in _outbox()[0].body


def test_links_in_mail_come_from_site_url_even_inside_a_request(app):
    assert absolute_url("listings.edit_link") == "http://directory.test/list-your-practice/edit-link"
    with app.test_request_context(base_url="https://evil.example"):
        assert absolute_url("listings.edit_link") == "http://directory.test/list-your-practice/edit-link"


@pytest.mark.parametrize("server, expected", [("", mail.LogMailer), ("smtp.example.org", SMTPMailer)])
def test_build_mailer_follows_mail_server(server, expected):
    assert isinstance(mail.build_mailer({"MAIL_SERVER": server}), expected)
