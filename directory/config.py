"""Configuration classes; every setting that differs between machines comes from the environment."""
import os


def database_url(raw: str) -> str:
    """Return an SQLAlchemy URL, pointing plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


DEV_SECRET_KEY = "dev-only-not-a-secret"


class Config:
    """Settings shared by every environment, read from the environment with safe defaults."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # How many proxies (load balancers) in front of the app set X-Forwarded-For/-Proto; 0 trusts none.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # A relative SQLite path lives in the instance folder.
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL", "sqlite:///directory.sqlite3"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    GEOCODER = os.environ.get("GEOCODER", "offline")
    GEOCODER_USER_AGENT = os.environ.get(
        "GEOCODER_USER_AGENT", "massage-therapist-directory/0.1 (admin@example.org)"
    )
    GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "5"))
    SEARCH_PAGE_SIZE = 20
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Rate limits (Flask-Limiter): shared by every app server when this points at Redis.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    # Mail goes to the outbox table and the log unless MAIL_SERVER is set, then over SMTP too.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "true").lower() in ("1", "true", "yes", "on")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "KnotFree Directory <no-reply@example.org>")
    # Links in mail sent outside a request (`flask send-reconfirmations`) start with this.
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    # Listing submissions: a form sent back faster than this is taken for a bot.
    LISTING_MIN_FILL_SECONDS = float(os.environ.get("LISTING_MIN_FILL_SECONDS", "4"))
    LISTING_EDIT_LINK_DAYS = 365
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
    """Production: cookies only over HTTPS; refuses to start without a real SECRET_KEY or with debug on."""

    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {"development": DevConfig, "testing": TestConfig, "production": ProdConfig}


def check_config(app) -> None:
    """Refuse to start a production app that would be unsafe."""
    if not app.config.get("PRODUCTION"):
        return
    if app.config["SECRET_KEY"] in ("", DEV_SECRET_KEY) or len(app.config["SECRET_KEY"]) < 16:
        raise RuntimeError("Set SECRET_KEY (at least 16 random characters) to run in production.")
    if app.config.get("DEBUG") or app.debug:
        raise RuntimeError("Debug mode must be off in production.")
