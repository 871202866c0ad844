"""/healthz for load balancers: 200 when the database answers, 503 when it does not."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from directory.extensions import db
from directory.therapists.models import Therapist

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Read one row id: a locked SQLite file fails this, where a bare SELECT 1 would not."""
    try:
        db.session.execute(select(Therapist.id).limit(1))
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("Health check failed: %s", error.__class__.__name__)
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")
