"""Migration 0007 on a database with moderators, their audit log and pending changes: nothing is lost."""
import flask_migrate
from sqlalchemy import text

from directory import create_app
from directory.extensions import db
from tests.conftest import _config
from tests.listings.test_migration import INSERT_THERAPIST

INSERTS = [
    INSERT_THERAPIST,
    "INSERT INTO admins (email, password_hash, created_at) VALUES ('mod@example.org', 'x', '2025-01-01 00:00:00')",
    "INSERT INTO audit_log (created_at, admin_id, admin_email, action, therapist_name, reason, details) "
    "VALUES ('2025-01-02 00:00:00', (SELECT id FROM admins), 'mod@example.org', 'approve_listing', '', '', '{}')",
    "INSERT INTO revisions (therapist_id, status, data, created_at, updated_at, reason) "
    "VALUES ((SELECT id FROM therapists), 'pending', '{}', '2025-01-03 00:00:00', '2025-01-03 00:00:00', '')",
]


def _rows() -> tuple:
    return db.session.execute(text(
        "SELECT (SELECT count(*) FROM admins), (SELECT admin_id FROM audit_log), (SELECT count(*) FROM revisions)"
    )).one()


def test_upgrade_and_downgrade_keep_moderators_their_audit_log_and_pending_changes(tmp_path):
    # SQLite is the case at risk: a rebuild of admins would set the audit log's admin_id to NULL.
    app = create_app(_config(f"sqlite:///{tmp_path / 'populated.sqlite3'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="0005")
        for statement in INSERTS:
            db.session.execute(text(statement))
        db.session.commit()
        before = _rows()
        assert before[1] is not None
        db.session.remove()

        flask_migrate.upgrade(revision="0007")
        assert _rows() == before
        assert db.session.execute(text("SELECT version FROM revisions")).scalar() == 1
        assert db.session.execute(text("SELECT session_token FROM admins")).scalar() is None
        db.session.remove()

        flask_migrate.downgrade(revision="0005")
        assert _rows() == before
        db.session.remove()
        db.engine.dispose()
