"""Configuration classes; every setting that differs between machines comes from the environment.

`check_config` is the one place that says what production needs; `gunicorn.conf.py` and `flask` read a
`.env` file first (python-dotenv), so both see the same settings.
"""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from flask import Flask


def database_url(raw: str) -> str:
    """Return an SQLAlchemy URL, pointing plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def _seconds(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


DEV_SECRET_KEY = "dev-only-not-a-secret"
ONE_MEGABYTE = 1024 * 1024


class Config:
    """Settings shared by every environment, read from the environment with safe defaults."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # How many proxies (load balancers) in front of the app set X-Forwarded-For/-Proto; 0 trusts none.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # A relative SQLite path lives in the instance folder.
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL", "sqlite:///directory.sqlite3"))
    # Every wait on the database ends well before gunicorn's 30 s worker timeout: a lock or a slow
    # statement then answers 503 instead of hanging the worker.
    DATABASE_CONNECT_TIMEOUT = _seconds("DATABASE_CONNECT_TIMEOUT", 3)
    DATABASE_STATEMENT_TIMEOUT = _seconds("DATABASE_STATEMENT_TIMEOUT", 5)
    DATABASE_LOCK_TIMEOUT = _seconds("DATABASE_LOCK_TIMEOUT", 3)
    GEOCODER = os.environ.get("GEOCODER", "offline")
    GEOCODER_USER_AGENT = os.environ.get(
        "GEOCODER_USER_AGENT", "massage-therapist-directory/0.1 (admin@example.org)"
    )
    GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "5"))
    WTF_CSRF_TIME_LIMIT = None
    # Flask-WTF's own hook would look up each GET's view to see whether it is exempt before seeing that a
    # GET needs no check; directory/security.py checks the methods first (the same check, in that order).
    WTF_CSRF_CHECK_DEFAULT = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Every form of the site fits in a small fraction of this; bigger bodies get a 413 page unread.
    MAX_CONTENT_LENGTH = ONE_MEGABYTE
    # Rate limits (Flask-Limiter): shared by every app server when this points at Redis.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Keeps this site's counters apart from anything else stored in the same Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "directory")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Pages put mail in the outbox table; the `flask send-mail` worker delivers it over SMTP when
    # MAIL_SERVER is set, else to the log (secret links redacted).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "true").lower() in ("1", "true", "yes", "on")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "KnotFree Directory <no-reply@example.org>")
    # Seconds the worker waits on each step of an SMTP conversation before counting the attempt failed.
    MAIL_TIMEOUT = _seconds("MAIL_TIMEOUT", 10)
    # A failed message is retried after MAIL_RETRY_SECONDS, then twice as long each time, up to
    # MAIL_MAX_ATTEMPTS attempts (about two hours with the defaults); then it is marked failed.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
    MAIL_RETRY_SECONDS = _seconds("MAIL_RETRY_SECONDS", 60)
    # How often the worker looks for new mail.
    MAIL_POLL_SECONDS = _seconds("MAIL_POLL_SECONDS", 5)
    # Every link in every mail starts with this, never with the Host a request claims.
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    # Listing submissions: a form sent back faster than this is taken for a bot.
    LISTING_MIN_FILL_SECONDS = float(os.environ.get("LISTING_MIN_FILL_SECONDS", "4"))
    LISTING_EDIT_LINK_DAYS = 365
    # New edit links a listing can be sent per hour (its first, at submission, included).
    LISTING_EDIT_LINKS_PER_HOUR = 3
    LISTING_CONFIRM_LINK_DAYS = 60
    LISTING_RECONFIRM_AFTER_DAYS = 365
    SEEDS_DIR = os.environ.get(
        "SEEDS_DIR", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "seeds")
    )


class DevConfig(Config):
    """Local development: the embedded SQLite database and the offline geocoder."""

    DEBUG = False


class TestConfig(Config):
    """The test suite: a throwaway database chosen by the tests (TEST_DATABASE_URL or a temp file)."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    GEOCODER = "offline"
    # Tests about rate limits and fill time switch these back on.
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    LISTING_MIN_FILL_SECONDS = 0
    MAIL_SERVER = ""
    SITE_URL = "http://directory.test"


class ProdConfig(Config):
    """Production: no defaults for what must be the operator's choice (database, secret, public address)."""

    PRODUCTION = True
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL", ""))
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SITE_URL = os.environ.get("SITE_URL", "")
    # Host names besides SITE_URL's that this site answers to (comma-separated), e.g. "www.example.org".
    EXTRA_TRUSTED_HOSTS = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    # gunicorn's worker count (gunicorn.conf.py reads the same variable): several need a shared rate-limit store.
    WORKERS = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS: dict[str, type[Config]] = {"development": DevConfig, "testing": TestConfig, "production": ProdConfig}


class ConfigError(SystemExit):
    """A setting production cannot run with; the message says what to set. A SystemExit, so `flask` and
    gunicorn stop with that message alone instead of a traceback that buries it."""


def production_problems(config: Any) -> list[str]:
    """What is missing or unsafe for production, each as an instruction."""
    problems = []
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        problems.append("Set DATABASE_URL, e.g. postgresql://user@db-host/directory.")
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY or len(secret) < 16:
        problems.append("Set SECRET_KEY (at least 16 random characters), e.g. from "
                        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`.")
    site = urlsplit(config.get("SITE_URL") or "")
    if site.scheme != "https" or not site.hostname:
        problems.append("Set SITE_URL to the site's public https:// address, e.g. https://directory.example.org: "
                        "production cookies are Secure, so forms only work over HTTPS.")
    if config.get("DEBUG"):
        problems.append("Debug mode must be off in production.")
    problems += shared_state_problems(config, int(config.get("WORKERS", 1)))
    return problems


def shared_state_problems(config: Any, workers: int) -> list[str]:
    """Several workers each keep their own `memory://` counters, so rate limits would not hold."""
    if workers > 1 and str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        return [f"Set RATELIMIT_STORAGE_URI to a shared store such as redis://127.0.0.1:6379/0: with {workers} "
                "workers, memory:// counts each worker's requests alone (or set WEB_CONCURRENCY=1)."]
    return []


def check_config(app: Flask) -> None:
    """Refuse to start a production app that would be unsafe; pin its host names to SITE_URL's."""
    if not app.config.get("PRODUCTION"):
        return
    problems = production_problems(app.config)
    if problems:
        raise ConfigError("Production cannot start:\n- " + "\n- ".join(problems))
    # A forged Host header gets 400 instead of reaching any code that might build a link from it.
    host = urlsplit(app.config["SITE_URL"]).hostname
    app.config["TRUSTED_HOSTS"] = [host, *app.config.get("EXTRA_TRUSTED_HOSTS", [])]
