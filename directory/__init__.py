"""The massage therapist directory: a Flask application factory."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from directory.caching import build_digest, register_caching
from directory.config import CONFIGS, Config, check_config
from directory.database import engine_options
from directory.forms import URL_CONVERTERS
from directory.logs import configure_logging
from directory.templating import register_template_helpers

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Create the app from a config class (default: chosen by APP_ENV) or a mapping of overrides."""
    app = Flask(
        __name__,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        instance_path=os.environ.get("INSTANCE_PATH", os.path.join(PROJECT_ROOT, "instance")),
    )
    base = CONFIGS[os.environ.get("APP_ENV", "development")]
    if isinstance(config, dict):
        app.config.from_object(base)
        app.config.update(config)
    else:
        app.config.from_object(config or base)
    os.makedirs(app.instance_path, exist_ok=True)
    check_config(app)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    # Before any route is added: URL segments that can't be stored, or integers too large for a column, are 404s.
    app.url_map.converters.update(URL_CONVERTERS)

    configure_logging(app)
    register_extensions(app)
    register_caching(app, build_digest(Path(__file__).parent, Path(PROJECT_ROOT, "templates")))
    register_template_helpers(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    # Outermost, so that everything inside sees the client's address and scheme.
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES load balancers, take the client's address and scheme from X-Forwarded-*
    (rate limits key on the address; HSTS and secure links need the scheme)."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    """Bind the shared extensions and the configured geocoder to the app."""
    from directory import mail
    from directory.extensions import csrf, db, limiter, login_manager, migrate
    from directory.geo.geocoders import build_geocoder
    from directory.search.geocache import DatabaseGeocodeCache
    from directory.security import only_with_a_session, register_security_headers

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"))
    csrf.init_app(app)
    # current_user reaches templates lazily (directory/templating.py), not looked up for every page.
    login_manager.init_app(app, add_context_processor=False)
    # Its remember-me cookie lives in the session: nothing to do for a request without one.
    only_with_a_session(app, login_manager._update_remember_cookie)
    limiter.init_app(app)
    mail.init_app(app)
    app.extensions["geocoder"] = build_geocoder(
        app.config["GEOCODER"],
        user_agent=app.config["GEOCODER_USER_AGENT"],
        timeout=app.config["GEOCODER_TIMEOUT"],
        cache_store=DatabaseGeocodeCache(),
    )
    register_security_headers(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature."""
    from directory.about.views import bp as about_bp
    from directory.admin.views import bp as admin_bp
    from directory.api.views import bp as api_bp
    from directory.checklists.views import bp as checklists_bp
    from directory.listings.views import bp as listings_bp
    from directory.opendata.views import bp as opendata_bp
    from directory.health import bp as health_bp
    from directory.search.views import bp as search_bp
    from directory.therapists.views import bp as therapists_bp

    app.register_blueprint(search_bp)
    app.register_blueprint(therapists_bp)
    app.register_blueprint(checklists_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(listings_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(about_bp)
    app.register_blueprint(opendata_bp)


def register_error_handlers(app: Flask) -> None:
    """Friendly HTML error pages, JSON errors under /api/."""
    from directory.errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    """`flask seed` and friends."""
    from directory.cli import register_commands as register

    register(app)
