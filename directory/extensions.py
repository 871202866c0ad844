"""Flask extensions, created unbound here and bound to the app in the factory."""
import sqlite3
from typing import TYPE_CHECKING

from flask import Flask, Response, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations stable across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
# What models subclass: db.Model at run time; type checkers cannot follow it, so they see Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()


class ViewLimiter(Limiter):
    """Flask-Limiter whose per-request hooks run only when there is something for them to do.

    Limits declared on views (`@limiter.limit`) are checked by the view's wrapper as it runs. Flask-Limiter's
    hook before every request looks for app-wide, default, meta and blueprint limits, and its hooks after
    every request add the limit's headers and apply `deduct_when`; this app usually has no app-wide limits,
    and most requests reach no limited view, so the hooks are skipped unless limits were checked.
    """

    _app_wide_limits: bool | None = None

    def init_app(self, app: Flask) -> None:
        """Bind to the app with the hooks below in place of Flask-Limiter's own."""
        first_time = self not in app.extensions.setdefault("limiter", set())
        app.extensions["limiter"].add(self)  # Flask-Limiter then adds no hooks of its own.
        super().init_app(app)
        self._app_wide_limits = None
        if first_time:
            app.before_request(self._check_app_wide_limits)
            app.after_request(self._finish_limited_request)
            app.teardown_request(self._release_limited_request)

    def _has_app_wide_limits(self) -> bool:
        # Known once the first request comes: they are all declared while the app is set up.
        if self._app_wide_limits is None:
            manager = self.limit_manager
            self._app_wide_limits = bool(manager._application_limits or manager._default_limits
                                         or manager._blueprint_limits or self._meta_limits)
        return self._app_wide_limits

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        g.rate_limits_checked = True
        super()._check_request_limit(callable_name, in_middleware)

    def _check_app_wide_limits(self) -> None:
        if self._has_app_wide_limits():
            self._check_request_limit()

    def _finish_limited_request(self, response: Response) -> Response:
        if g.get("rate_limits_checked"):
            return self._Limiter__inject_headers(response)  # type: ignore[attr-defined]
        return response

    def _release_limited_request(self, error: BaseException | None = None) -> None:
        if g.get("rate_limits_checked"):
            self._Limiter__release_context(error)  # type: ignore[attr-defined]


# Storage and on/off come from RATELIMIT_STORAGE_URI and RATELIMIT_ENABLED in the config.
limiter = ViewLimiter(key_func=get_remote_address)
login_manager = LoginManager()
login_manager.login_view = "admin.login"
login_manager.login_message = "Please sign in to use the moderation pages."


@event.listens_for(Engine, "connect")
def _enable_sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores ON DELETE CASCADE unless foreign keys are switched on per connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
