"""Error pages: HTML for people, JSON under /api/. Never a stack trace, never a false promise.

A form answered with 429 or 503 was not saved; its page says so and carries what was typed in a form
that sends it again (passwords excepted), so "Try again" really retries what the person did.
"""
from __future__ import annotations

import math
import time

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as PoolTimeoutError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    RequestEntityTooLarge,
    SecurityError,
    ServiceUnavailable,
)

from directory.extensions import db, limiter
from directory.logs import note_refusal

RETRY_AFTER_SECONDS = 60
PAGES = {404, 405, 413, 429, 503}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def retry_after(error: HTTPException) -> int | None:
    """Seconds until trying again can work: the error's own, the rate limit's reset, or a minute for an
    unavailable database."""
    given = getattr(error, "retry_after", None)
    if isinstance(given, int):
        return given
    if error.code == 429:
        current = limiter.current_limit
        return max(1, math.ceil(current.reset_at - time.time())) if current else RETRY_AFTER_SECONDS
    if error.code == 503:
        return RETRY_AFTER_SECONDS
    return None


def typed_fields() -> tuple[list[tuple[str, str]], bool]:
    """What the person sent in the form being refused, to send again, and whether a password was left out
    (passwords are never echoed)."""
    if request.method != "POST":
        return [], False
    try:
        sent = list(request.form.items(multi=True))
    except RequestEntityTooLarge:
        return [], False
    kept = [(name, value) for name, value in sent if "password" not in name]
    return kept, len(kept) < len(sent)


def _refusal(error: HTTPException) -> str:
    if isinstance(error, CSRFError):
        return f"csrf ({error.description})"
    return {413: "body too large", 429: f"rate limit ({error.description})"}.get(error.code or 0, error.name)


def error_response(app: Flask, error: HTTPException) -> Response:
    """The error as JSON under /api/, else as the site's page for it."""
    code = error.code or 500
    if code < 500:
        note_refusal(_refusal(error))
    wait = retry_after(error)
    if _wants_json():
        response = jsonify(error={"status": code, "message": error.description})
    else:
        # An error of a feature's own (a checklist link that leads nowhere, say) names its own page.
        template = getattr(error, "template", None) or (f"errors/{code}.html" if code in PAGES else "errors/generic.html")
        fields, password_dropped = typed_fields() if code in (429, 503) else ([], False)
        response = app.make_response(render_template(
            template, error=error, fields=fields, password_dropped=password_dropped, retry_after=wait,
        ))
    response.status_code = code
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    return response


def register_error_handlers(app: Flask) -> None:
    """Render every HTTP error in the site's style; a database that is down, locked or slow is a 503."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(app, error)

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # No URL can be built for a host that is not ours, so the page is plain text and names no host.
        note_refusal("untrusted host")
        return app.response_class("Bad request: this site does not answer to that host name.\n", 400,
                                  mimetype="text/plain")

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeoutError)
    def database_unavailable(error: Exception):
        # One line: the kind of failure (timeout, lock, refused connection), not the SQL or a traceback.
        cause = getattr(error, "orig", None) or error
        app.logger.error("Database unavailable on %s: %s", request.path, cause.__class__.__name__)
        db.session.rollback()
        return http_error(ServiceUnavailable("The directory's database is busy or down. Please try again in a minute."))

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if error.connection_invalidated:
            return database_unavailable(error)
        return unexpected_error(error)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        return http_error(InternalServerError())
