"""What production refuses to start without, and what it pins: hosts, secure cookies, shared rate limits."""
from __future__ import annotations

from typing import Any

import pytest

from directory import create_app
from directory.config import ConfigError, ProdConfig, shared_state_problems

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
