"""One log line per request (and per event), each tagged with the request's id, secrets redacted.

The request line carries the method, the path (tokens redacted), the status, the time and, for a 4xx,
why it was refused (CSRF, validation, rate limit, ...), which views and error handlers say with
`note_refusal`. gunicorn's access log is off (gunicorn.conf.py): this line replaces it.
"""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request

from directory.redaction import redact_secrets

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"
log = logging.getLogger("directory")
# The request this worker is serving, for the one line logged if gunicorn kills it (sync workers serve one).
_in_flight: dict[str, str] = {}


class RequestIdFilter(logging.Filter):
    """Put the current request's id (or '-') on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
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
    g.refusal = reason


def configure_logging(app: Flask) -> None:
    """Log to stderr, one line per event, and log every request with its status, duration and refusal."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = False
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactingFilter())
    app.before_request(_start_request)
    app.after_request(_log_request)
    app.teardown_request(_end_request)


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    _in_flight.update(request_id=g.request_id, method=request.method, path=request.path)


def _log_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
    refusal = g.get("refusal") or ("validation" if response.status_code == 422 else "")
    log.info("%s %s %s %.1fms%s", request.method, request.path, response.status_code, elapsed_ms,
             f" refused={refusal}" if refusal and 400 <= response.status_code < 500 else "")
    return response


def _end_request(error: BaseException | None = None) -> None:
    _in_flight.clear()


def log_aborted_request(timeout_seconds: float) -> None:
    """One line for a request gunicorn killed after its worker timeout (called from its worker_abort hook)."""
    if _in_flight:
        log.error("%s %s killed after the %ss worker timeout (request_id=%s)", _in_flight["method"],
                  _in_flight["path"], timeout_seconds, _in_flight["request_id"])
    else:
        log.error("Worker killed after the %ss worker timeout between requests", timeout_seconds)
