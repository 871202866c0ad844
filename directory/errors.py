"""Error pages: HTML for people, JSON under /api/. Never a stack trace."""
from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from directory.extensions import db

RETRY_AFTER_SECONDS = 60


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    """Render every HTTP error in the site's style; a database that is down or locked is a 503."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            response = jsonify(error={"status": error.code, "message": error.description})
        else:
            known = (404, 405, 429, 503)
            template = f"errors/{error.code}.html" if error.code in known else "errors/generic.html"
            response = app.make_response((render_template(template, error=error), error.code))
        response.status_code = error.code
        if error.code == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeoutError)
    def database_unavailable(error: Exception):
        app.logger.error("Database unavailable on %s: %s", request.path, error.__class__.__name__)
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
