"""Removing a moderator keeps the listings whose licence they verified (migration 0009, ON DELETE SET NULL)."""
import flask_migrate
from sqlalchemy import text

from directory import create_app
from directory.admin.models import Admin
from directory.extensions import db
from directory.therapists.models import Therapist
from tests.conftest import _config
from tests.listings.test_migration import INSERT_LOCATION, INSERT_THERAPIST

INSERT_VERIFIER = ("INSERT INTO admins (email, password_hash, created_at) "
                   "VALUES ('mod@example.org', 'x', '2025-01-01 00:00:00')")
VERIFY = "UPDATE therapists SET license_verified_by_id = (SELECT id FROM admins)"


def _listing_point_count() -> int:
    return db.session.scalar(text("SELECT count(*) FROM listing_points"))


def test_deleting_a_moderator_clears_the_verifier_and_keeps_the_listing(app, make_therapist):
    therapist = make_therapist()
    admin = Admin(email="verifier@example.org", password_hash="x")
    db.session.add(admin)
    db.session.flush()
    therapist.license_verified_by_id = admin.id
    db.session.commit()

    db.session.execute(text("DELETE FROM admins WHERE id = :id"), {"id": admin.id})
    db.session.commit()
    db.session.expire_all()

    kept = db.session.get(Therapist, therapist.id)
    assert kept is not None and kept.license_verified_by_id is None and len(kept.locations) == 1


def test_migration_0009_keeps_listings_their_points_and_triggers_on_sqlite(tmp_path):
    # SQLite is the case at risk: a rebuild of therapists would drop its trigger and cascade to locations.
    app = create_app(_config(f"sqlite:///{tmp_path / 'populated.sqlite3'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="0008")
        for statement in (INSERT_THERAPIST, INSERT_LOCATION, INSERT_VERIFIER, VERIFY):
            db.session.execute(text(statement))
        db.session.commit()
        assert _listing_point_count() == 1
        db.session.remove()

        flask_migrate.upgrade(revision="0009")
        triggers = db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all()
        assert "listing_points_therapist_update" in triggers
        db.session.execute(text("DELETE FROM admins"))
        db.session.commit()
        assert db.session.execute(text("SELECT count(*), max(license_verified_by_id) FROM therapists")).one() == (1, None)
        assert db.session.scalar(text("SELECT count(*) FROM locations")) == 1
        # The therapist's trigger still keeps the search's points in step.
        db.session.execute(text("UPDATE therapists SET status = 'unpublished'"))
        assert _listing_point_count() == 0
        db.session.execute(text("UPDATE therapists SET status = 'published'"))
        db.session.commit()
        assert _listing_point_count() == 1
        db.session.remove()

        flask_migrate.downgrade(revision="0008")
        definition = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'therapists'"))
        assert "ON DELETE SET NULL" not in definition
        assert db.session.scalar(text("SELECT count(*) FROM locations")) == 1
        db.session.remove()
        db.engine.dispose()
