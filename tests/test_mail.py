"""The mail interface: outbox table always, the log by default, SMTP when configured, nothing on rollback."""
import logging
import smtplib

import pytest
from sqlalchemy import select

from directory import mail
from directory.extensions import db
from directory.mail import OutboxMessage, SMTPMailer, absolute_url, deliver_queued, queue_mail


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_mail_goes_to_the_outbox_and_the_log_by_default(app, caplog):
    assert isinstance(app.extensions["mailer"], mail.LogMailer)
    queue_mail("dana@example.com", "Hello", "Body text")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="directory.mail"):
        assert deliver_queued() == 1
    [message] = _outbox()
    assert (message.recipient, message.subject, message.body) == ("dana@example.com", "Hello", "Body text")
    assert message.sent_at is not None
    assert "Mail to dana@example.com: Hello" in caplog.text and "Body text" in caplog.text
    assert deliver_queued() == 0


def test_a_rolled_back_transaction_sends_nothing(app):
    sent = []
    app.extensions["mailer"] = type("Recorder", (), {"send": lambda self, message: sent.append(message)})()
    queue_mail("dana@example.com", "Never", "Rolled back")
    db.session.flush()
    db.session.rollback()
    assert deliver_queued() == 0
    assert sent == [] and _outbox() == []


class FakeSMTP:
    """Stands in for smtplib.SMTP and records what the mailer did."""

    calls: list = []

    def __init__(self, host, port, timeout):
        self.calls.append(("connect", host, port))

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


def test_smtp_is_used_when_mail_server_is_set(app, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.calls = []
    config = {"MAIL_SERVER": "smtp.example.org", "MAIL_PORT": 2525, "MAIL_USERNAME": "user",
              "MAIL_PASSWORD": "secret", "MAIL_USE_TLS": True}
    app.extensions["mailer"] = mail.build_mailer(config)
    assert isinstance(app.extensions["mailer"], SMTPMailer)
    queue_mail("dana@example.com", "Over SMTP", "Hi")
    db.session.commit()
    assert deliver_queued() == 1
    assert FakeSMTP.calls == [
        ("connect", "smtp.example.org", 2525), ("starttls",), ("login", "user", "secret"),
        ("send", app.config["MAIL_DEFAULT_SENDER"], "dana@example.com", "Over SMTP", "Hi\n"),
    ]
    assert _outbox()[0].sent_at is not None


def test_a_failed_delivery_is_kept_in_the_outbox_with_its_error(app, caplog):
    class Broken:
        def send(self, message):
            raise smtplib.SMTPServerDisconnected("gone")

    app.extensions["mailer"] = Broken()
    queue_mail("dana@example.com", "Lost?", "No")
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="directory.mail"):
        assert deliver_queued() == 0
    [message] = _outbox()
    assert message.sent_at is None and message.error == "gone"


def test_links_in_mail_come_from_site_url_even_inside_a_request(app):
    assert absolute_url("listings.edit_link") == "http://directory.test/list-your-practice/edit-link"
    with app.test_request_context(base_url="https://evil.example"):
        assert absolute_url("listings.edit_link") == "http://directory.test/list-your-practice/edit-link"


@pytest.mark.parametrize("server, expected", [("", mail.LogMailer), ("smtp.example.org", SMTPMailer)])
def test_build_mailer_follows_mail_server(server, expected):
    assert isinstance(mail.build_mailer({"MAIL_SERVER": server}), expected)
