"""Gunicorn settings (production and the benchmark): sync workers, two per CPU core plus one."""
import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 30
keepalive = 2
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
preload_app = True


def when_ready(server):
    """Build the offline geocoder's ZIP index once in the master, frozen so the workers share it unchanged."""
    from directory.geo import OfflineGeocoder

    OfflineGeocoder().geocode("33701")
    gc.freeze()
