"""End to end (issue 15): each of five pages under gunicorn as a share of a bare Flask page's requests per
second, measured side by side (bare, page, bare, page, ...) so that both see the same machine.

`bench/search.py` runs it on the seeded data of `make run` and on the synthetic 100k and 1M listings.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import flask_migrate
from sqlalchemy import text

from directory import create_app
from directory.extensions import db
from directory.seeding import seed_all

ROOT = Path(__file__).resolve().parent.parent
BARE_PORT, APP_PORT = 8101, 8102
WRK_SECONDS = 6
WARM_SECONDS = 2
# The pages of issue 15 and the share of the bare page's requests per second each should reach.
PAGE_TARGETS = (
    ("/healthz", 0.70),
    ("/", 0.50),
    ("/therapists/<slug>", 0.45),
    ("/api/v1/therapists?near=33701&radius=25", 0.40),
    ("/search?near=33701&radius=25", 0.35),
)
SEEDED = "seeded"


def seeded_database(url: str, schema: str | None) -> str:
    """What `make run` loads (migrations, vocabularies, checklist, the sample listings), once per database."""
    app = create_app(bench_config(url))
    with app.app_context():
        if schema:
            db.session.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
            db.session.commit()
        flask_migrate.upgrade()
        seed_all(app.config["SEEDS_DIR"], samples=True)
        db.engine.dispose()
    return url


def bench_config(url: str) -> dict[str, object]:
    """The app's settings for one benchmark database; loading a million listings outlasts any statement timeout."""
    return {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "DATABASE_STATEMENT_TIMEOUT": 0}


def profile_slug(url: str) -> str:
    """A published therapist's slug (the lowest id), for the profile page."""
    app = create_app(bench_config(url))
    with app.app_context():
        slug = db.session.scalar(text("SELECT slug FROM therapists WHERE status = 'published' ORDER BY id LIMIT 1"))
        db.engine.dispose()
    return slug


@contextmanager
def gunicorn(app_spec: str, port: int, env: dict[str, str], log: Path, bin_dir: Path) -> Iterator[subprocess.Popen]:
    """The project's gunicorn config serving `app_spec` on 127.0.0.1:port until the block ends."""
    with open(log, "a") as output:
        server = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", app_spec],
            cwd=ROOT, env=os.environ | env, stdout=output, stderr=output,
        )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not start {app_spec}; see {log}")
        yield server
    finally:
        server.terminate()
        server.wait(timeout=60)


def app_environment(url: str) -> dict[str, str]:
    """Production settings for the app under test (Redis for the rate limits, as in production)."""
    return {
        "DATABASE_URL": url, "APP_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(32),
        "SITE_URL": f"https://127.0.0.1:{APP_PORT}",
        "RATELIMIT_STORAGE_URI": os.environ.get("BENCH_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15"),
    }


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    """Requests/s, p50 and p99 (ms) of a bounded wrk run against a loopback URL."""
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", url],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout
    latency = {
        share: float(value) * _UNIT_MS[unit]
        for share, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url} answered {errors.group(1)} errors")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), "p50": latency["50"], "p99": latency["99"]}


def connections() -> int:
    """As many connections as gunicorn has workers: each worker always has a request waiting."""
    return (os.cpu_count() or 1) * 2 + 1


def measured(url: str) -> dict[str, float]:
    """wrk after a short warm-up."""
    wrk(url, WARM_SECONDS, connections())
    return wrk(url, WRK_SECONDS, connections())


def measure_pages(db_name: str, size: int | str, url: str, log: Path, bin_dir: Path,
                  then: Callable[[subprocess.Popen, list[dict]], None] | None = None) -> list[dict]:
    """Each page of PAGE_TARGETS against the bare page measured just before it; `then(server, rows)` runs
    with the app's server still up (the search benchmark's own end-to-end cases and worker memory)."""
    slug = profile_slug(url)
    bare_url = f"http://127.0.0.1:{BARE_PORT}/"
    rows = []
    with gunicorn("bench.bare:app", BARE_PORT, {}, log, bin_dir), \
            gunicorn("wsgi:app", APP_PORT, app_environment(url), log, bin_dir) as server:
        for page, target in PAGE_TARGETS:
            path = page.replace("<slug>", slug)
            bare = measured(bare_url)
            result = measured(f"http://127.0.0.1:{APP_PORT}{path}")
            row = {
                "db": db_name, "size": size, "page": page, "rps": result["rps"], "bare_rps": bare["rps"],
                "share": round(result["rps"] / bare["rps"], 3), "target": target,
                "p50_ms": round(result["p50"], 2), "p99_ms": round(result["p99"], 2),
            }
            rows.append(row)
            print(f"  {db_name:10} {size!s:>9} {page:42} {row['rps']:8.1f} req/s (bare {bare['rps']:.0f})"
                  f" {row['share']:4.0%} of bare, target {target:.0%}  p50 {row['p50_ms']:.1f} ms"
                  f"  p99 {row['p99_ms']:.1f} ms", flush=True)
        if then:
            then(server, rows)
    return rows


def page_targets(rows: list[dict]) -> list[str]:
    """Each page's share of bare next to its target, met or not."""
    return [
        f"- {row['db']} {size_label(row['size'])} {row['page']}: {row['share']:.0%} of bare (target ≥ {row['target']:.0%})"
        f" {'met' if row['share'] >= row['target'] else 'NOT MET'}"
        for row in rows
    ]


def size_label(size: int | str) -> str:
    """"seeded" or the listing count with thousands separators."""
    return size if isinstance(size, str) else f"{size:,}"
