"""listing points: the search reads one narrow row per location of a published listing

Each row holds what the search filters and sorts on (therapist, coordinates, accepting, mobile,
service radius, the modalities as a bit mask), so a dense area costs index reads only, without
joining locations, therapists and therapist_modalities per row. Triggers keep the rows in step with
those three tables, whoever writes to them. SQLite keeps the rows in an R*Tree (the coordinates as
the box, the rest as auxiliary columns), PostgreSQL in a table with a GiST index on its point; both
replace migration 0004's spatial index. Modalities get a `search_bit` (0-62) for the mask, and
therapists an index on (status, service_radius_mi) for the widest radius of a published mobile
therapist.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

PUBLISHED = "published"


# SQLite's R*Tree gives every location one entry on the "any modality" plane (-1) and one entry on
# the plane of each modality's search bit, so that a modality filter reads only its own plane; an
# entry's id is 64 x the location id + 1 + its plane. Planes lie PLANE_SPACING apart in the third
# dimension, and each entry is 2 thick there: with no thickness every node within a plane would have
# no volume, and the R*Tree, which places entries by the volume they add, would stop sorting them.
PLANES = 64
ANY_MODALITY = -1
PLANE_SPACING = 1000


def _sqlite_points_of(therapists: str) -> str:
    """SELECT the R*Tree entries of the published `therapists` (SQL for one id or a SELECT of ids; all if empty)."""
    mask = (
        "(SELECT coalesce(sum(1 << mo.search_bit), 0) FROM therapist_modalities tm"
        " JOIN modalities mo ON mo.id = tm.modality_id WHERE tm.therapist_id = t.id)"
    )
    which = f" AND t.id IN ({therapists})" if therapists else ""

    def entries(plane: str, joins: str) -> str:
        return (
            f"SELECT l.id * {PLANES} + 1 + {plane}, l.latitude, l.latitude, l.longitude, l.longitude,"
            f" {plane} * {PLANE_SPACING} - 1, {plane} * {PLANE_SPACING} + 1,"
            f" l.therapist_id, l.id, l.latitude, l.longitude, t.accepting_new_clients, t.mobile, t.service_radius_mi,"
            f" {mask} FROM locations l JOIN therapists t ON t.id = l.therapist_id{joins}"
            f" WHERE t.status = '{PUBLISHED}'{which}"
        )

    return (
        entries(str(ANY_MODALITY), "")
        + " UNION ALL "
        + entries(
            "mo.search_bit",
            " JOIN therapist_modalities tm ON tm.therapist_id = t.id JOIN modalities mo ON mo.id = tm.modality_id",
        )
    )


def _sqlite_entries_of(location: str) -> str:
    """The ids every R*Tree entry of `location` (an SQL expression) may have."""
    return ", ".join(f"{location} * {PLANES} + {n}" for n in range(PLANES))


_EVERY_PLANE = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(PLANES))


def _sqlite_refresh(therapists: str) -> str:
    """Statements rewriting the R*Tree entries of `therapists` (SQL for one id, or a SELECT of ids)."""
    return (
        f"DELETE FROM listing_points WHERE id IN (SELECT l.id * {PLANES} + planes.n FROM locations l,"
        f" ({_EVERY_PLANE}) AS planes WHERE l.therapist_id IN ({therapists}));"
        f" INSERT INTO listing_points {_sqlite_points_of(therapists)};"
    )


SQLITE_UPGRADE = [
    "DROP TRIGGER locations_rtree_delete",
    "DROP TRIGGER locations_rtree_update",
    "DROP TRIGGER locations_rtree_insert",
    "DROP TABLE locations_rtree",
    "ALTER TABLE modalities ADD COLUMN search_bit SMALLINT NOT NULL DEFAULT 0"
    " CONSTRAINT ck_modalities_search_bit_range CHECK (search_bit BETWEEN 0 AND 62)",
    "UPDATE modalities SET search_bit = (SELECT count(*) FROM modalities earlier WHERE earlier.id < modalities.id)",
    "CREATE UNIQUE INDEX uq_modalities_search_bit ON modalities (search_bit)",
    # Three dimensions: latitude, longitude and the modality plane.
    "CREATE VIRTUAL TABLE listing_points USING rtree(id, min_lat, max_lat, min_lon, max_lon, min_plane, max_plane,"
    " +therapist_id, +location_id, +latitude, +longitude, +accepting, +mobile, +service_radius_mi, +modality_mask)",
    f"INSERT INTO listing_points {_sqlite_points_of('')}",
    f"""CREATE TRIGGER listing_points_location_insert AFTER INSERT ON locations BEGIN
        {_sqlite_refresh('new.therapist_id')}
    END""",
    f"""CREATE TRIGGER listing_points_location_update AFTER UPDATE OF id, therapist_id, latitude, longitude ON locations BEGIN
        DELETE FROM listing_points WHERE id IN ({_sqlite_entries_of('old.id')});
        {_sqlite_refresh('old.therapist_id')}
        {_sqlite_refresh('new.therapist_id')}
    END""",
    f"""CREATE TRIGGER listing_points_location_delete AFTER DELETE ON locations BEGIN
        DELETE FROM listing_points WHERE id IN ({_sqlite_entries_of('old.id')});
    END""",
    f"""CREATE TRIGGER listing_points_therapist_update
    AFTER UPDATE OF status, accepting_new_clients, mobile, service_radius_mi ON therapists BEGIN
        {_sqlite_refresh('new.id')}
    END""",
    f"""CREATE TRIGGER listing_points_modality_insert AFTER INSERT ON therapist_modalities BEGIN
        {_sqlite_refresh('new.therapist_id')}
    END""",
    f"""CREATE TRIGGER listing_points_modality_update AFTER UPDATE ON therapist_modalities BEGIN
        {_sqlite_refresh('old.therapist_id')}
        {_sqlite_refresh('new.therapist_id')}
    END""",
    f"""CREATE TRIGGER listing_points_modality_delete AFTER DELETE ON therapist_modalities BEGIN
        {_sqlite_refresh('old.therapist_id')}
    END""",
    f"""CREATE TRIGGER listing_points_search_bit_update AFTER UPDATE OF search_bit ON modalities BEGIN
        {_sqlite_refresh('SELECT therapist_id FROM therapist_modalities WHERE modality_id = new.id')}
    END""",
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER listing_points_search_bit_update",
    "DROP TRIGGER listing_points_modality_delete",
    "DROP TRIGGER listing_points_modality_update",
    "DROP TRIGGER listing_points_modality_insert",
    "DROP TRIGGER listing_points_therapist_update",
    "DROP TRIGGER listing_points_location_delete",
    "DROP TRIGGER listing_points_location_update",
    "DROP TRIGGER listing_points_location_insert",
    "DROP TABLE listing_points",
    "DROP INDEX uq_modalities_search_bit",
    "ALTER TABLE modalities DROP COLUMN search_bit",
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

POSTGRESQL_MASK = (
    "(SELECT coalesce(bit_or(1::bigint << mo.search_bit), 0) FROM therapist_modalities tm"
    " JOIN modalities mo ON mo.id = tm.modality_id WHERE tm.therapist_id = t.id)"
)


def _postgresql_points_of(therapist: str) -> str:
    return (
        "SELECT l.id, l.therapist_id, l.latitude, l.longitude, t.accepting_new_clients, t.mobile,"
        f" t.service_radius_mi, {POSTGRESQL_MASK}"
        f" FROM locations l JOIN therapists t ON t.id = l.therapist_id WHERE t.status = '{PUBLISHED}'"
        + (f" AND t.id = {therapist}" if therapist else "")
    )


POSTGRESQL_UPGRADE = [
    "DROP INDEX ix_locations_point",
    "ALTER TABLE modalities ADD COLUMN search_bit SMALLINT NOT NULL DEFAULT 0"
    " CONSTRAINT ck_modalities_search_bit_range CHECK (search_bit BETWEEN 0 AND 62)",
    "UPDATE modalities SET search_bit = (SELECT count(*) FROM modalities earlier WHERE earlier.id < modalities.id)",
    "CREATE UNIQUE INDEX uq_modalities_search_bit ON modalities (search_bit)",
    """CREATE TABLE listing_points (
        location_id INTEGER PRIMARY KEY REFERENCES locations (id) ON DELETE CASCADE,
        therapist_id INTEGER NOT NULL REFERENCES therapists (id) ON DELETE CASCADE,
        latitude DOUBLE PRECISION NOT NULL,
        longitude DOUBLE PRECISION NOT NULL,
        accepting BOOLEAN NOT NULL,
        mobile BOOLEAN NOT NULL,
        service_radius_mi DOUBLE PRECISION,
        modality_mask BIGINT NOT NULL
    )""",
    f"INSERT INTO listing_points {_postgresql_points_of('')}",
    "CREATE INDEX ix_listing_points_point ON listing_points USING gist (point(longitude, latitude))",
    "CREATE INDEX ix_listing_points_therapist_id ON listing_points (therapist_id)",
    # Mobile therapists who may visit come from a wider box, where they are a few among many.
    "CREATE INDEX ix_listing_points_mobile_point ON listing_points USING gist (point(longitude, latitude)) WHERE mobile",
    f"""CREATE FUNCTION refresh_listing_points(therapist INTEGER) RETURNS void LANGUAGE sql AS $$
        DELETE FROM listing_points WHERE therapist_id = therapist;
        INSERT INTO listing_points {_postgresql_points_of('therapist')};
    $$""",
    """CREATE FUNCTION listing_points_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'therapists' THEN
            PERFORM refresh_listing_points(NEW.id);
        ELSIF TG_TABLE_NAME = 'modalities' THEN
            PERFORM refresh_listing_points(tm.therapist_id) FROM therapist_modalities tm WHERE tm.modality_id = NEW.id;
        ELSE
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                PERFORM refresh_listing_points(OLD.therapist_id);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                PERFORM refresh_listing_points(NEW.therapist_id);
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER listing_points_therapist AFTER UPDATE OF status, accepting_new_clients, mobile,
        service_radius_mi ON therapists FOR EACH ROW EXECUTE FUNCTION listing_points_follow()""",
    """CREATE TRIGGER listing_points_location AFTER INSERT OR DELETE OR UPDATE OF id, therapist_id, latitude,
        longitude ON locations FOR EACH ROW EXECUTE FUNCTION listing_points_follow()""",
    """CREATE TRIGGER listing_points_modality AFTER INSERT OR UPDATE OR DELETE ON therapist_modalities
        FOR EACH ROW EXECUTE FUNCTION listing_points_follow()""",
    """CREATE TRIGGER listing_points_search_bit AFTER UPDATE OF search_bit ON modalities
        FOR EACH ROW EXECUTE FUNCTION listing_points_follow()""",
]

POSTGRESQL_DOWNGRADE = [
    "DROP TRIGGER listing_points_search_bit ON modalities",
    "DROP TRIGGER listing_points_modality ON therapist_modalities",
    "DROP TRIGGER listing_points_location ON locations",
    "DROP TRIGGER listing_points_therapist ON therapists",
    "DROP FUNCTION listing_points_follow()",
    "DROP FUNCTION refresh_listing_points(INTEGER)",
    "DROP TABLE listing_points",
    "DROP INDEX uq_modalities_search_bit",
    "ALTER TABLE modalities DROP COLUMN search_bit",
    "CREATE INDEX ix_locations_point ON locations USING gist (point(longitude, latitude))",
]


def _run(statements_by_dialect):
    for statement in statements_by_dialect.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade():
    _run({'sqlite': SQLITE_UPGRADE, 'postgresql': POSTGRESQL_UPGRADE})
    with op.batch_alter_table('therapists', schema=None) as batch_op:
        batch_op.create_index('ix_therapists_status_service_radius_mi', ['status', 'service_radius_mi'], unique=False)


def downgrade():
    with op.batch_alter_table('therapists', schema=None) as batch_op:
        batch_op.drop_index('ix_therapists_status_service_radius_mi')
    _run({'sqlite': SQLITE_DOWNGRADE, 'postgresql': POSTGRESQL_DOWNGRADE})
