"""Every main form, posted by Chromium to gunicorn in production mode over HTTPS, as an operator deploys it.

Over HTTPS Flask-WTF also checks the Referer of every POST, and production cookies are Secure: neither
shows up in the test client or the plain-HTTP live server, so this runs the real thing once.
"""
from __future__ import annotations

import os
import re
import secrets
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.engine import make_url

from directory.config import database_url
from directory.database import utcnow
from directory.mail import OutboxMessage
from directory.therapists.models import Therapist
from tests.browser.conftest import fill_listing_form, watch_for_problems

pytestmark = pytest.mark.browser

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ADMIN_EMAIL = "moderator@example.org"
ADMIN_PASSWORD = "a long moderator passphrase"
LISTING_NAME = "Nadia Knotworth"
START_TIMEOUT = 60


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, valid for a day, made with the openssl command line."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
def production_database(tmp_path: Path) -> Iterator[str]:
    """A database of its own: a new PostgreSQL database when the suite runs on PostgreSQL, else a SQLite file."""
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if not test_url.startswith(("postgres://", "postgresql")):
        yield f"sqlite:///{tmp_path / 'production.sqlite3'}"
        return
    import psycopg

    server = make_url(database_url(test_url)).set(drivername="postgresql")
    name = f"https_e2e_{secrets.token_hex(4)}"

    def run(statement: str) -> None:
        conninfo = server.set(database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(statement)

    run(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def rate_limit_store() -> Iterator[tuple[str, int]]:
    """The store for the rate limits and how many workers may share it: an empty Redis database if
    Redis runs here (its keys deleted afterwards), else one worker counting in memory."""
    import redis

    for number in range(15, 0, -1):
        store = redis.Redis(host="127.0.0.1", port=6379, db=number, socket_connect_timeout=1)
        try:
            empty = store.dbsize() == 0
        except redis.ConnectionError:
            store.close()
            break
        if empty:
            yield f"redis://127.0.0.1:6379/{number}", 2
            for key in store.scan_iter("*LIMITER*"):
                store.delete(key)
            store.close()
            return
        store.close()
    yield "memory://", 1


def _flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=PROJECT_ROOT, input=stdin,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _wait_until_up(origin: str, process: subprocess.Popen, log: Path) -> None:
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"gunicorn exited:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"{origin}/healthz", context=insecure, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture
def production_server(tmp_path, production_database, rate_limit_store) -> Iterator[tuple[str, str, dict]]:
    """gunicorn with its production config and a self-signed certificate, on a database prepared as the
    README says (migrate, seed, a moderator); yields its https origin, database URL and environment."""
    port = _free_port()
    origin = f"https://127.0.0.1:{port}"
    storage, workers = rate_limit_store
    env = os.environ | {
        "APP_ENV": "production", "FLASK_APP": "wsgi.py", "PYTHONPATH": str(PROJECT_ROOT),
        "SITE_URL": origin, "SECRET_KEY": secrets.token_urlsafe(32), "DATABASE_URL": production_database,
        "RATELIMIT_STORAGE_URI": storage, "WEB_CONCURRENCY": str(workers), "LISTING_MIN_FILL_SECONDS": "0",
        "INSTANCE_PATH": str(tmp_path / "instance"), "MAIL_SERVER": "",
    }
    _flask(env, "db", "upgrade")
    _flask(env, "seed")
    _flask(env, "create-admin", ADMIN_EMAIL, stdin=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    cert, key = _self_signed_certificate(tmp_path)
    # The README's way: gunicorn.conf.py takes the certificate and address from these settings.
    env |= {"GUNICORN_CERTFILE": str(cert), "GUNICORN_KEYFILE": str(key), "GUNICORN_BIND": f"127.0.0.1:{port}"}
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
            env=env, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(origin, process, log)
        yield origin, production_database, env
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    print(log.read_text())


def _latest_mail_link(db_url: str, path: str) -> str:
    """The newest link to `path` in the outbox table (the mail itself may not have left yet)."""
    engine = create_engine(database_url(db_url))
    try:
        with engine.connect() as connection:
            bodies = connection.scalars(
                select(OutboxMessage.__table__.c.body).order_by(OutboxMessage.__table__.c.id.desc())
            ).all()
    finally:
        engine.dispose()
    links = [match for body in bodies for match in re.findall(rf"https://\S+{re.escape(path)}\S+", body)]
    assert links, f"no mail with a link to {path}"
    return links[0]


def _make_due_for_reconfirmation(db_url: str) -> None:
    """Backdate the listing's last confirmation by more than a year, as if it had aged."""
    engine = create_engine(database_url(db_url))
    try:
        with engine.begin() as connection:
            connection.execute(
                update(Therapist.__table__)
                .where(Therapist.__table__.c.name == LISTING_NAME)
                .values(confirmed_at=utcnow() - timedelta(days=400), created_at=utcnow() - timedelta(days=400))
            )
    finally:
        engine.dispose()


@pytest.fixture
def https_page(browser, production_server):
    """A page of a context that accepts the self-signed certificate; any page answering 4xx/5xx is recorded."""
    origin = production_server[0]
    context = browser.new_context(base_url=origin, ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = watch_for_problems(page, origin)
    page.on(
        "response",
        lambda response: response.status >= 400
        and response.request.resource_type == "document"
        and problems.append(f"{response.request.method} {response.url} answered {response.status}"),
    )
    yield page, problems
    context.close()
    assert problems == []


def _press(page, problems: list[str], button: str, expected: str) -> None:
    """Press a form's button; the page it leads to answers below 400 and says `expected`."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    assert problems == []
    assert expected in page.locator("main").inner_text()


def _checklist_flow(page, problems: list[str]) -> None:
    page.goto("/checklists/new")
    page.get_by_label("Therapist's name").fill("Nora Neuro")
    page.get_by_label("Your notes").fill("Ask about parking.")
    _press(page, problems, "Save checklist", "Your checklist is saved.")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Your notes").fill("Parking is behind the building.")
    _press(page, problems, "Save changes", "Your changes are saved.")
    page.get_by_role("link", name="Delete", exact=True).click()
    _press(page, problems, "Delete for good", "The checklist is deleted.")


def _submit_listing(page, problems: list[str]) -> None:
    page.goto("/list-your-practice")
    fill_listing_form(page, LISTING_NAME, "Neuromuscular therapy in St. Petersburg.")
    _press(page, problems, "Submit for review", "Your listing is waiting for review")


def _approve_as_moderator(page, problems: list[str]) -> None:
    page.goto("/admin/")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    _press(page, problems, "Sign in", LISTING_NAME)
    page.get_by_role("link", name=LISTING_NAME).click()
    _press(page, problems, "Approve and publish", "The listing is published.")


def test_every_main_form_posts_over_https_in_production(https_page, production_server):
    page, problems = https_page
    origin, db_url, env = production_server
    _checklist_flow(page, problems)

    _submit_listing(page, problems)
    edit_link = _latest_mail_link(db_url, "/list-your-practice/edit/")
    assert edit_link.startswith(f"{origin}/list-your-practice/edit/")
    page.goto(edit_link)
    page.get_by_label("About you and your practice").fill("Trigger point work for tension headaches.")
    _press(page, problems, "Save changes", "Your changes are saved.")

    _approve_as_moderator(page, problems)

    page.goto(edit_link)
    _press(page, problems, "Unpublish", "Your listing is no longer shown on the site.")
    _press(page, problems, "Publish again", "Your listing is shown on the site again.")

    _make_due_for_reconfirmation(db_url)
    assert "Sent 1 reminder(s)." in _flask(env, "send-reconfirmations")
    page.goto(_latest_mail_link(db_url, "/list-your-practice/still-accurate/"))
    _press(page, problems, "Yes, it is still accurate", "We have noted that the listing")

    page.goto(edit_link)
    page.get_by_role("link", name="Delete for good").click()
    page.get_by_label("I understand that my listing will be deleted for good").check()
    _press(page, problems, "Delete for good", "Your listing is deleted")
