"""spatial index on locations: SQLite R*Tree kept in sync by triggers, PostgreSQL GiST; it replaces
the (latitude, longitude) B-tree

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE locations_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
    "INSERT INTO locations_rtree SELECT id, latitude, latitude, longitude, longitude FROM locations",
    """CREATE TRIGGER locations_rtree_insert AFTER INSERT ON locations BEGIN
        INSERT INTO locations_rtree VALUES (new.id, new.latitude, new.latitude, new.longitude, new.longitude);
    END""",
    """CREATE TRIGGER locations_rtree_update AFTER UPDATE OF id, latitude, longitude ON locations BEGIN
        DELETE FROM locations_rtree WHERE id = old.id;
        INSERT INTO locations_rtree VALUES (new.id, new.latitude, new.latitude, new.longitude, new.longitude);
    END""",
    """CREATE TRIGGER locations_rtree_delete AFTER DELETE ON locations BEGIN
        DELETE FROM locations_rtree WHERE id = old.id;
    END""",
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER locations_rtree_delete",
    "DROP TRIGGER locations_rtree_update",
    "DROP TRIGGER locations_rtree_insert",
    "DROP TABLE locations_rtree",
]

POSTGRESQL_UPGRADE = ["CREATE INDEX ix_locations_point ON locations USING gist (point(longitude, latitude))"]

POSTGRESQL_DOWNGRADE = ["DROP INDEX ix_locations_point"]


def _run(statements_by_dialect):
    for statement in statements_by_dialect.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade():
    _run({'sqlite': SQLITE_UPGRADE, 'postgresql': POSTGRESQL_UPGRADE})
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index('ix_locations_latitude_longitude')


def downgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index('ix_locations_latitude_longitude', ['latitude', 'longitude'], unique=False)
    _run({'sqlite': SQLITE_DOWNGRADE, 'postgresql': POSTGRESQL_DOWNGRADE})
