"""Gunicorn settings (production and the benchmark): sync workers, two per CPU core plus one.

Settings come from the environment, after a `.env` file in this folder (the same file `flask` reads).
"""
import gc
import multiprocessing
import os
import sys

from dotenv import load_dotenv

load_dotenv(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".env"))

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# HTTPS served by gunicorn itself; leave both unset behind a reverse proxy that terminates TLS.
certfile = os.environ.get("GUNICORN_CERTFILE") or None
keyfile = os.environ.get("GUNICORN_KEYFILE") or None
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# The database's statement and lock timeouts (a few seconds) end slow requests well before this.
timeout = 30
graceful_timeout = 30
keepalive = 2
# The app logs one line per request, with its request id and secrets redacted; gunicorn's would repeat it.
accesslog = None
errorlog = "-"
preload_app = True


def on_starting(server):
    """Refuse to start workers that could not share rate-limit counters (`-w` on the command line included)."""
    from directory.config import shared_state_problems

    app = server.app.wsgi()
    problems = shared_state_problems(app.config, server.cfg.workers) if app.config.get("PRODUCTION") else []
    if problems:
        sys.exit("Production cannot start:\n- " + "\n- ".join(problems))


def when_ready(server):
    """Load the offline geocoder's place index once in the master, frozen so the workers share it unchanged."""
    from directory.geo.geocoders import offline_geocoder

    offline_geocoder().load()
    gc.freeze()


def worker_abort(worker):
    """A request that outlived `timeout`: one line saying which, instead of the traceback of its frames."""
    from directory.logs import log_aborted_request

    log_aborted_request(worker.cfg.timeout)
    os._exit(1)
