"""What production refuses to start without, and what it pins: hosts, secure cookies, shared rate limits."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from directory import create_app
from directory.config import ConfigError, ProdConfig, shared_state_problems
from tests.servers import ROOT

GOOD = {
    "SECRET_KEY": "a-long-enough-random-secret-value",
    "SITE_URL": "https://directory.example.org",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "WORKERS": 3,
}


def production(**overrides: Any) -> type[ProdConfig]:
    """ProdConfig with the environment's choices replaced by these."""
    return type("Production", (ProdConfig,), GOOD | overrides)


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("SECRET_KEY", "", "SECRET_KEY"),
    ("SECRET_KEY", "dev-only-not-a-secret", "SECRET_KEY"),
    ("SECRET_KEY", "short", "SECRET_KEY"),
    ("SQLALCHEMY_DATABASE_URI", "", "DATABASE_URL"),
    ("SITE_URL", "", "SITE_URL"),
    ("SITE_URL", "http://directory.example.org", "https://"),
    ("SITE_URL", "https://", "SITE_URL"),
    ("RATELIMIT_STORAGE_URI", "memory://", "RATELIMIT_STORAGE_URI"),
    ("DEBUG", True, "Debug"),
])
def test_production_refuses_to_start_without_what_it_needs(setting, value, says):
    with pytest.raises(ConfigError, match=says):
        create_app(production(**{setting: value}))


def test_the_refusal_lists_every_problem_at_once():
    with pytest.raises(ConfigError) as refused:
        create_app(production(SECRET_KEY="", SITE_URL="", SQLALCHEMY_DATABASE_URI=""))
    message = str(refused.value)
    assert "SECRET_KEY" in message and "SITE_URL" in message and "DATABASE_URL" in message


def test_one_worker_may_count_in_memory():
    assert shared_state_problems({"RATELIMIT_STORAGE_URI": "memory://"}, 1) == []
    assert shared_state_problems({"RATELIMIT_STORAGE_URI": "memory://"}, 2)
    assert create_app(production(RATELIMIT_STORAGE_URI="memory://", WORKERS=1)).config["PRODUCTION"]


def test_production_cookies_are_secure():
    app = create_app(production())
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_forged_host_is_refused_in_production():
    app = create_app(production(EXTRA_TRUSTED_HOSTS=["www.example.org"]))
    client = app.test_client()
    assert client.get("/api/v1/openapi.json", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/v1/openapi.json", base_url="https://directory.example.org").status_code == 200
    assert client.get("/api/v1/openapi.json", base_url="https://www.example.org").status_code == 200


def test_a_forged_host_gets_a_plain_400_page_that_names_no_host():
    app = create_app(production())
    response = app.test_client().get("/search", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)


PRODUCTION_VARIABLES = ("APP_ENV", "DATABASE_URL", "SECRET_KEY", "SITE_URL", "RATELIMIT_STORAGE_URI", "WEB_CONCURRENCY")


def _flask_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`flask` as the README runs it, from a folder holding a .env, with none of its settings in the environment."""
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_VARIABLES}
    return subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", str(ROOT / "wsgi.py"), *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_flask_commands_read_production_settings_from_a_dotenv_file(tmp_path):
    database = tmp_path / "production.sqlite3"
    (tmp_path / ".env").write_text(
        f"APP_ENV=production\nDATABASE_URL=sqlite:///{database}\nSECRET_KEY={'s' * 32}\n"
        "SITE_URL=https://directory.example.org\nRATELIMIT_STORAGE_URI=memory://\nWEB_CONCURRENCY=1\n"
    )
    for command in (["db", "upgrade"], ["seed"]):
        result = _flask_in(tmp_path, *command)
        assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM modalities").fetchone()[0] > 10
        assert connection.execute("SELECT count(*) FROM therapists").fetchone()[0] == 0


def test_an_incomplete_dotenv_stops_flask_with_what_to_set_and_no_traceback(tmp_path):
    (tmp_path / ".env").write_text("APP_ENV=production\n")
    result = _flask_in(tmp_path, "seed")
    assert result.returncode == 1
    assert "Production cannot start" in result.stderr and "Set SITE_URL" in result.stderr
    assert "Set DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
