"""The database's shared helpers: connection settings (timeouts for SQLite and PostgreSQL), the clock of
every timestamp column, and the one way a service commits a write that a concurrent change may make stale."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, overload

from sqlalchemy.engine import make_url
from sqlalchemy.orm.exc import StaleDataError

from directory.extensions import db


def utcnow() -> datetime:
    """Timezone-aware now, for created/updated columns."""
    return datetime.now(timezone.utc)


@overload
def aware(moment: datetime) -> datetime: ...


@overload
def aware(moment: None) -> None: ...


def aware(moment: datetime | None) -> datetime | None:
    """The moment as UTC-aware (SQLite gives stored datetimes back without their zone)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


@contextmanager
def committed(stale: type[Exception]) -> Iterator[None]:
    """Run the block's writes as one transaction and commit them; when another session changed a versioned
    row first (seen at any flush or at the commit), roll back and raise `stale`."""
    try:
        yield
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise stale from error


def engine_options(config: Any) -> dict[str, Any]:
    """SQLAlchemy engine options that bound every wait by the DATABASE_*_TIMEOUT settings."""
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    connect_timeout = config["DATABASE_CONNECT_TIMEOUT"]
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "postgresql":
        options["pool_timeout"] = connect_timeout
        settings = " ".join([
            f"-c statement_timeout={round(config['DATABASE_STATEMENT_TIMEOUT'] * 1000)}",
            f"-c lock_timeout={round(config['DATABASE_LOCK_TIMEOUT'] * 1000)}",
            # The search's statements look costly to the planner (recursive, no statistics for points in
            # a box), so it would JIT-compile them or start parallel workers: each costs milliseconds to
            # save microseconds. The app's queries are all short.
            "-c jit=off",
            "-c max_parallel_workers_per_gather=0",
        ])
        # Settings the URL itself carries (a search_path, say) stay: connect_args would replace them.
        in_url = url.query.get("options")
        if in_url:
            settings = f"{in_url if isinstance(in_url, str) else ' '.join(in_url)} {settings}"
        options["connect_args"] = {"connect_timeout": max(1, round(connect_timeout)), "options": settings}
    elif url.get_backend_name() == "sqlite":
        # How long a write waits for another connection's lock before "database is locked" (then 503).
        options["connect_args"] = {"timeout": config["DATABASE_LOCK_TIMEOUT"]}
    return options
