"""/healthz for load balancers: 200 when the database answers, 503 when it does not."""
import json

from flask import Blueprint, Response, current_app
from sqlalchemy.exc import SQLAlchemyError

from directory.extensions import db

bp = Blueprint("health", __name__)
# A locked SQLite file fails reading a row, where a bare SELECT 1 would not.
READ_ONE_ROW = "SELECT id FROM therapists LIMIT 1"
UP = json.dumps({"status": "ok", "database": "up"})
DOWN = json.dumps({"status": "unavailable", "database": "down"})


@bp.get("/healthz")
def healthz() -> Response:
    """Read one row over a pooled database connection, without an ORM session (the one thing asked)."""
    try:
        database_answers()
    except (SQLAlchemyError, db.engine.dialect.loaded_dbapi.Error) as error:
        current_app.logger.warning("Health check failed: %s", error.__class__.__name__)
        return Response(DOWN, 503, mimetype="application/json")
    return Response(UP, mimetype="application/json")


def database_answers() -> None:
    """Read one row; a connection that fails is dropped from the pool, not handed to the next request."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(READ_ONE_ROW)
        cursor.fetchall()
        cursor.close()
    except db.engine.dialect.loaded_dbapi.Error:
        connection.invalidate()
        raise
    finally:
        connection.close()
