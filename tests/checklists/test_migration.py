"""Migration 0010 on the test database (SQLite or PostgreSQL) holding version-1 checklists: nothing is lost
either way, version 2's answers and unanswered questions become storable, and a downgrade maps them back."""
import flask_migrate
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from directory import create_app
from directory.extensions import db
from tests.conftest import _config

VERSIONS = ("INSERT INTO checklist_versions (id, version, content, created_at) VALUES "
            "(901, 1, '{\"sections\": []}', '2026-01-01 00:00:00'), (902, 2, '{\"sections\": []}', '2026-01-01 00:00:00')")
CHECKLISTS = ("INSERT INTO checklists (id, token_hash, version_id, therapist_name, practice_name, therapist_phone, "
              "therapist_email, price_quoted, notes, created_at, updated_at) VALUES "
              "(901, 'a', 901, 'Old', '', '', '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00'), "
              "(902, 'b', 902, 'New', '', '', '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
ANSWER = "INSERT INTO checklist_answers (checklist_id, question_key, answer, notes) VALUES ({}, '{}', {}, 'kept')"


def _answers() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(text(
        "SELECT checklist_id, question_key, answer, notes FROM checklist_answers ORDER BY checklist_id, question_key"))]


@pytest.fixture
def database_at_0009(migrated_database):
    """The test database taken back to migration 0009, and brought back to the newest, emptied, afterwards."""
    app = create_app(_config(migrated_database))
    with app.app_context():
        flask_migrate.downgrade(revision="0009")
        try:
            yield app
        finally:
            db.session.rollback()
            for table in ("checklist_answers", "checklists", "checklist_versions"):
                db.session.execute(text(f"DELETE FROM {table}"))
            db.session.commit()
            flask_migrate.upgrade()
            db.session.remove()
            db.engine.dispose()


def test_upgrade_and_downgrade_keep_checklists_and_map_the_new_scale(database_at_0009):
    for statement in (VERSIONS, CHECKLISTS, ANSWER.format(901, "technique", "'yes'"),
                      ANSWER.format(901, "pressure", "'didnt_ask'")):
        db.session.execute(text(statement))
    db.session.commit()
    with pytest.raises(IntegrityError):  # before 0010 neither a new answer nor "not answered" fits
        db.session.execute(text(ANSWER.format(902, "technique", "'good'")))
    db.session.rollback()
    db.session.remove()

    flask_migrate.upgrade(revision="0010")
    for key, answer in (("technique", "'good'"), ("pressure", "'partly'"), ("homework", "'poor'"), ("strength", "NULL")):
        db.session.execute(text(ANSWER.format(902, key, answer)))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text(ANSWER.format(902, "posture", "'maybe'")))
    db.session.rollback()
    assert _answers() == [
        (901, "pressure", "didnt_ask", "kept"), (901, "technique", "yes", "kept"),
        (902, "homework", "poor", "kept"), (902, "pressure", "partly", "kept"), (902, "strength", None, "kept"),
        (902, "technique", "good", "kept"),
    ]
    db.session.remove()

    flask_migrate.downgrade(revision="0009")
    assert _answers() == [
        (901, "pressure", "didnt_ask", "kept"), (901, "technique", "yes", "kept"),
        (902, "homework", "no", "kept"), (902, "pressure", "not_sure", "kept"), (902, "strength", "didnt_ask", "kept"),
        (902, "technique", "yes", "kept"),
    ]
    db.session.remove()
