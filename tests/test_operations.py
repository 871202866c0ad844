"""Running for real: health checks, an unavailable database, request ids in logs, production settings."""
import logging
import sqlite3

import pytest

from directory import create_app
from tests.conftest import _config


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "up"}


@pytest.fixture
def app_without_database(tmp_path):
    # Nothing listens on port 1: connections are refused at once.
    app = create_app(_config("postgresql+psycopg://root@127.0.0.1:1/none", SQLALCHEMY_ENGINE_OPTIONS={
        "connect_args": {"connect_timeout": 2}}))
    return app


def test_healthz_and_pages_are_503_when_the_database_is_down(app_without_database):
    client = app_without_database.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["database"] == "down"
    page = client.get("/search?near=33701")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "60"
    text = page.get_data(as_text=True)
    assert "Please try again in a minute" in text and "Traceback" not in text
    api = client.get("/api/v1/modalities")
    assert api.status_code == 503 and api.get_json()["error"]["status"] == 503


def test_a_locked_sqlite_database_gives_503(tmp_path):
    path = tmp_path / "locked.sqlite3"
    app = create_app(_config(f"sqlite:///{path}", SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.1}}))
    with app.app_context():
        from directory.extensions import db

        db.create_all()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        response = app.test_client().get("/api/v1/modalities")
        assert response.status_code == 503
        assert app.test_client().get("/healthz").status_code == 503
    finally:
        holder.rollback()
        holder.close()
    assert app.test_client().get("/healthz").status_code == 200


def test_every_response_has_a_request_id_and_one_log_line(app, client, caplog, vocabulary):
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        response = client.get("/search?near=33701", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    lines = [r for r in caplog.records if r.getMessage().startswith("GET /search")]
    assert len(lines) == 1
    assert lines[0].request_id == "abc-123"
    assert "200" in lines[0].getMessage()
    generated = client.get("/", headers={"X-Request-ID": "bad id; with spaces"}).headers["X-Request-ID"]
    assert len(generated) == 32 and generated.isalnum()


def test_tracebacks_are_logged_on_one_line(app, client, caplog):
    @app.get("/explode-for-test")
    def explode():
        raise ValueError("line one\nline two")

    handler = app.logger.handlers[0]
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        assert client.get("/explode-for-test").status_code == 500
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    formatted = handler.format(record)
    assert "\n" not in formatted and "Traceback" in formatted and "line two" in formatted


def test_behind_a_trusted_load_balancer_the_client_address_and_https_are_seen(migrated_database):
    app = create_app(_config(migrated_database, TRUSTED_PROXIES=1))

    @app.get("/whoami-for-test")
    def whoami():
        from flask import request

        return request.remote_addr or ""

    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    response = app.test_client().get("/whoami-for-test", headers=forwarded)
    assert response.get_data(as_text=True) == "203.0.113.7"
    assert "Strict-Transport-Security" in response.headers
    untrusting = create_app(_config(migrated_database))
    untrusting.add_url_rule("/whoami-for-test", view_func=whoami)
    response = untrusting.test_client().get("/whoami-for-test", headers=forwarded)
    assert response.get_data(as_text=True) == "127.0.0.1"
    assert "Strict-Transport-Security" not in response.headers


def test_database_connections_are_set_up_for_short_queries(app):
    """SQLite enforces foreign keys; PostgreSQL neither JIT-compiles nor starts parallel workers for a search."""
    from sqlalchemy import text

    from directory.extensions import db

    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
    else:
        assert db.session.scalar(text("SHOW jit")) == "off"
        assert db.session.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
