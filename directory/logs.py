"""One log line per request (and per event), each tagged with the request's id, secrets redacted.

The request line carries the method, the path (tokens redacted), the status, the time and, for a 4xx,
why it was refused (CSRF, validation, rate limit, ...), which views and error handlers say with
`note_refusal`. gunicorn's access log is off (gunicorn.conf.py): this line replaces it. It is written by a
WSGI middleware around the app, as the response starts: no per-request hooks in Flask.
"""
from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, has_request_context, request
from werkzeug.wsgi import get_path_info

from directory.redaction import redact_secrets

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Where the request's id and the reason it was refused travel with the request (its WSGI environ).
REQUEST_ID = "directory.request_id"
REFUSAL = "directory.refusal"
FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"
log = logging.getLogger("directory")
# The request this worker is serving, for the one line logged if gunicorn kills it (sync workers serve one).
_in_flight: dict[str, str] = {}


class RequestIdFilter(logging.Filter):
    """Put the current request's id (or '-') on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request.environ.get(REQUEST_ID, "-") if has_request_context() else "-"
        return True


class OneLineFormatter(logging.Formatter):
    """Fold tracebacks and multi-line messages onto the event's line, with secret tokens redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(super().format(record).replace("\n", " | "))


class RedactingFilter(logging.Filter):
    """For loggers we don't format ourselves (the development server's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_secrets(record.getMessage())
        record.args = None
        return True


def note_refusal(reason: str) -> None:
    """Say why this request is answered with a 4xx; the request's log line carries it."""
    request.environ[REFUSAL] = reason


def configure_logging(app: Flask) -> None:
    """Log to stderr, one line per event, and log every request with its status, duration and refusal."""
    # No line shows the caller's file and line: not looking them up makes each line cheaper (the logging
    # HOWTO's "Optimization"). Thread and process stay: gunicorn's own lines show the process id.
    logging._srcfile = None
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = False
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactingFilter())
    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]


class RequestLog:
    """WSGI middleware giving each request its id (X-Request-ID, also in every line logged meanwhile) and
    its one log line, written as the response starts."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = environ[REQUEST_ID] = incoming if _SAFE_ID.match(incoming) else os.urandom(16).hex()
        started = time.perf_counter()
        method, path = environ.get("REQUEST_METHOD", "GET"), get_path_info(environ)
        _in_flight.update(request_id=request_id, method=method, path=path)

        def start_logged(status: str, headers: list[tuple[str, str]], exc_info=None):
            headers.append(("X-Request-ID", request_id))
            if log.isEnabledFor(logging.INFO):
                code = int(status[:3])
                refusal = environ.get(REFUSAL) or ("validation" if code == 422 else "")
                log.info("%s %s %s %.1fms%s", method, path, code, (time.perf_counter() - started) * 1000,
                         f" refused={refusal}" if refusal and 400 <= code < 500 else "",
                         extra={"request_id": request_id})
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, start_logged)
        finally:
            _in_flight.clear()


def log_aborted_request(timeout_seconds: float) -> None:
    """One line for a request gunicorn killed after its worker timeout (called from its worker_abort hook)."""
    if _in_flight:
        log.error("%s %s killed after the %ss worker timeout (request_id=%s)", _in_flight["method"],
                  _in_flight["path"], timeout_seconds, _in_flight["request_id"])
    else:
        log.error("Worker killed after the %ss worker timeout between requests", timeout_seconds)
