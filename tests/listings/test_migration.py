"""Migration 0003 on a database that already has listings: nothing is lost either way."""
import flask_migrate
from sqlalchemy import text

from directory import create_app
from directory.extensions import db
from tests.conftest import _config

INSERT_THERAPIST = """
INSERT INTO therapists (slug, name, credentials, license_number, license_state, training, certifications, bio,
    session_lengths, accepting_new_clients, mobile, languages, status, is_sample, created_at, updated_at)
VALUES ('old-listing', 'Old Listing', '[]', 'MA1', 'FL', '', '[]', '', '[]', true, false, '[]', 'published', false,
    '2025-01-01 00:00:00', '2025-01-01 00:00:00')
"""
INSERT_LOCATION = """
INSERT INTO locations (therapist_id, position, street, city, state, postal_code, country, latitude, longitude)
VALUES ((SELECT id FROM therapists), 0, '', 'Tampa', 'FL', '', 'US', 27.95, -82.46)
"""


def _counts() -> tuple[int, int]:
    return (db.session.scalar(text("SELECT count(*) FROM therapists")),
            db.session.scalar(text("SELECT count(*) FROM locations")))


def test_upgrade_and_downgrade_keep_existing_listings_and_their_locations(tmp_path):
    # SQLite is the case at risk: a table rebuild there would cascade to the locations.
    app = create_app(_config(f"sqlite:///{tmp_path / 'populated.sqlite3'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="0002")
        db.session.execute(text(INSERT_THERAPIST))
        db.session.execute(text(INSERT_LOCATION))
        db.session.commit()
        db.session.remove()

        flask_migrate.upgrade()
        assert _counts() == (1, 1)
        version, held, geocoded_as = db.session.execute(
            text("SELECT t.version, t.held_by_moderator, l.geocoded_as FROM therapists t JOIN locations l "
                 "ON l.therapist_id = t.id")).one()
        assert (version, bool(held), geocoded_as) == (1, False, "")
        db.session.remove()

        flask_migrate.downgrade(revision="0002")
        assert _counts() == (1, 1)
        db.session.remove()
        db.engine.dispose()
