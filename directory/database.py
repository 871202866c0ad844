"""How the app connects to its database: timeouts and per-connection settings for SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url


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
