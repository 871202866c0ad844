"""Error pages: HTML for people, JSON under /api/."""
from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    """Render every HTTP error in the site's style; never show a stack trace."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(error={"status": error.code, "message": error.description}), error.code
        template = f"errors/{error.code}.html" if error.code in (404, 405, 429) else "errors/generic.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        return http_error(InternalServerError())
