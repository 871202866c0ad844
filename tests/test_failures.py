"""How requests fail: huge bodies, rate limits, a locked or slow database; what is kept; what is logged."""
from __future__ import annotations

import logging
import re
import sqlite3
import time
import urllib.request
from html.parser import HTMLParser

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from directory import create_app
from directory.extensions import db
from tests.conftest import _config
from tests.servers import gunicorn
from tests.listings.conftest import hidden_fields, listing_form, page_text, rate_limited  # noqa: F401

SUBMIT = "/list-your-practice"


class _Forms(HTMLParser):
    """The forms of a page: their actions and (name, value) pairs of their inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form":
            self.forms.append((values.get("action") or "", []))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1][1].append((values["name"], values.get("value") or ""))


def forms_of(response) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every form in the page."""
    parser = _Forms()
    parser.feed(page_text(response))
    return parser.forms


def test_a_huge_body_gets_a_small_413_page_without_being_read_or_echoed(client, vocabulary):
    huge = "x" * (2 * 1024 * 1024)
    response = client.post(SUBMIT, data={"name": huge, "bio": "keep"})
    assert response.status_code == 413
    body = page_text(response)
    assert "more than this site accepts" in body and "xxxxxxxxxx" not in body and len(body) < 20_000
    api = client.post("/api/v1/therapists", data=huge, content_type="application/json")
    assert api.status_code in (405, 413) and len(api.get_data()) < 2_000


def test_every_429_says_when_to_retry_and_keeps_what_was_typed(rate_limited, client, listing_form):
    page = client.get(SUBMIT)
    hidden = hidden_fields(page_text(page))
    typed = listing_form(name="Dana Whitfield", bio="My own words, typed with care.")
    for _ in range(61):
        response = client.post(SUBMIT, data=hidden | typed | {"name": ""})
        if response.status_code == 429:
            break
    else:
        pytest.fail("the form-post limit never answered 429")
    assert int(response.headers["Retry-After"]) > 0
    body = page_text(response)
    assert "Nothing you typed was saved yet, but it is all kept on this page" in body
    assert "nothing you did is lost" not in body
    [(action, fields)] = [form for form in forms_of(response) if form[0] == SUBMIT]
    assert ("bio", "My own words, typed with care.") in fields
    assert ("csrf_token", hidden["csrf_token"]) in fields
    assert sorted(v for n, v in fields if n == "modalities") == sorted(typed["modalities"])


def test_a_refused_sign_in_never_echoes_the_password(rate_limited, client, app):
    for _ in range(6):
        page = client.get("/admin/login")
        response = client.post("/admin/login", data=hidden_fields(page_text(page)) | {
            "email": "mod@example.org", "password": "my-secret-guess"})
    assert response.status_code == 429
    body = page_text(response)
    assert "my-secret-guess" not in body
    assert "except your password" in body


@pytest.fixture
def unreachable_database_app():
    # Nothing listens on port 1: connections are refused at once.
    return create_app(_config("postgresql+psycopg://root@127.0.0.1:1/none"))


def test_the_503_page_retries_the_same_address_with_its_query(unreachable_database_app):
    client = unreachable_database_app.test_client()
    response = client.get("/search?near=33701&radius=10&modality=nmt")
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert 'href="/search?near=33701&amp;radius=10&amp;modality=nmt"' in page_text(response)


def test_a_form_answered_503_is_kept_to_send_again(unreachable_database_app):
    client = unreachable_database_app.test_client()
    unreachable_database_app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/checklists/new?therapist=dana", data={"therapist_name": "Dana", "notes": "Felt heard."})
    assert response.status_code == 503
    [(action, fields)] = [form for form in forms_of(response) if form[0].startswith("/checklists/new")]
    assert action == "/checklists/new?therapist=dana"
    assert ("notes", "Felt heard.") in fields and ("therapist_name", "Dana") in fields
    assert "Nothing you typed was saved yet" in page_text(response)


def _lock_the_therapists_table(url: str):
    """A second connection holding a lock that blocks every read of `therapists`; returns a release function."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        holder = sqlite3.connect(parsed.database, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
    else:
        holder = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
        holder.execute("LOCK TABLE therapists IN ACCESS EXCLUSIVE MODE")

    def release() -> None:
        holder.rollback()
        holder.close()

    return release


def test_a_locked_table_answers_503_within_seconds_and_the_app_recovers(migrated_database):
    app = create_app(_config(migrated_database, DATABASE_LOCK_TIMEOUT=1))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    release = _lock_the_therapists_table(migrated_database)
    try:
        started = time.perf_counter()
        health = client.get("/healthz")
        page = client.get("/api/v1/therapists?near=33701")
        elapsed = time.perf_counter() - started
    finally:
        release()
    assert health.status_code == 503 and health.get_json()["database"] == "down"
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert elapsed < 5, f"two requests against a locked table took {elapsed:.1f} s"
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_postgresql_connections_carry_the_timeouts(app):
    if db.engine.dialect.name != "postgresql":
        assert db.engine.dialect.name == "sqlite"
        assert db.engine.url.database is None or app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["timeout"] == 3
        return
    assert db.session.scalar(text("SHOW statement_timeout")) == "5s"
    assert db.session.scalar(text("SHOW lock_timeout")) == "3s"


def test_a_slow_statement_is_cut_off_with_a_503(migrated_database):
    app = create_app(_config(migrated_database, DATABASE_STATEMENT_TIMEOUT=0.5))
    sleep = "SELECT pg_sleep(3)" if migrated_database.startswith("postgresql") else None

    @app.get("/slow-for-test")
    def slow():
        if sleep is None:  # SQLite has no statement timeout; its waits are bounded by the lock timeout above.
            return "sqlite"
        db.session.execute(text(sleep))
        return "finished"

    started = time.perf_counter()
    response = app.test_client().get("/slow-for-test")
    if sleep is not None:
        assert response.status_code == 503
        assert time.perf_counter() - started < 2
    else:
        assert response.get_data(as_text=True) == "sqlite"
    with app.app_context():
        db.engine.dispose()


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records]


def test_one_line_per_request_with_the_refusal_and_no_secret(app, client, caplog, checklist_version):
    with caplog.at_level(logging.INFO, logger="directory"):
        client.post("/checklists/new", data={"therapist_name": "Dana"})
        client.get("/list-your-practice/edit/s3cr3t-t0ken-value")
        client.get("/checklists/an0ther-s3cret/print")
    lines = _lines(caplog)
    [csrf] = [line for line in lines if line.startswith("POST /checklists/new")]
    assert re.fullmatch(r"POST /checklists/new 400 [\d.]+ms refused=csrf \(The CSRF token is missing\.\)", csrf)
    formatted = "\n".join(app.logger.handlers[0].format(r) for r in caplog.records)
    assert "s3cr3t" not in formatted and "an0ther" not in formatted
    assert "GET /list-your-practice/edit/[redacted] 404" in formatted
    assert "GET /checklists/[redacted]/print 404" in formatted
    assert sum(1 for line in lines if line.startswith("GET /list-your-practice/edit/")) == 1


def test_a_validation_failure_is_logged_as_such(app, client, caplog, checklist_version):
    app.config["WTF_CSRF_ENABLED"] = False
    with caplog.at_level(logging.INFO, logger="directory"):
        response = client.post("/checklists/new", data={"therapist_name": ""})
    assert response.status_code == 422
    assert any(re.fullmatch(r"POST /checklists/new 422 [\d.]+ms refused=validation", line) for line in _lines(caplog))


def test_the_development_server_log_is_redacted(app):
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s', ("GET /checklists/abc123 HTTP/1.1", 200), None)
    assert all(f.filter(record) for f in logging.getLogger("werkzeug").filters)
    assert record.getMessage() == '"GET /checklists/[redacted] HTTP/1.1" 200'


def test_a_request_killed_by_the_worker_timeout_logs_one_line(tmp_path):
    """gunicorn (the project's config) kills a stuck request: one line says which, and no traceback."""
    env = {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'stuck.sqlite3'}", "WEB_CONCURRENCY": "1"}
    with gunicorn(env, "--timeout", "2", app="tests.stuck_app:app") as (port, log):
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/checklists/s3cret/stuck", timeout=20).read()
    killed = [line for line in log if "killed after" in line]
    assert len(killed) == 1, log
    assert "GET /checklists/[redacted]/stuck killed after the 2s worker timeout (request_id=" in killed[0]
    assert "Traceback" not in "\n".join(log) and "s3cret" not in "\n".join(log)
