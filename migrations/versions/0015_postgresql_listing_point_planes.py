"""PostgreSQL listing point planes: the filters narrow the index there too

SQLite's R*Tree has a third dimension, the plane (migrations 0005 and 0014): a search with a filter reads
only the entries on that filter's plane. PostgreSQL's listing points get the same: a `plane` column with the
same values (the plane's number x 1000; the price plane shifted by the price), one row per location and
plane it is on, and a GiST index over (plane, point) through the btree_gist extension (a contrib module
that ships with PostgreSQL). The rows on the plane of any modality (-1000) are the ones 0005 kept; the
function refreshing a therapist's points writes the others from them. SQLite is unchanged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 01:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

PUBLISHED = "published"
ANY_PLANE = -1000
PLANE_SPACING = 1000
LANGUAGE_PLANES = 64
NMT_PLANE = 127
SESSION_LENGTH_PLANES = 128
MOBILE_PLANE = 189
PRICE_PLANE = 190
MAX_PRICE_AXIS = 20_000
COLUMNS = ("location_id, therapist_id, latitude, longitude, accepting, mobile, service_radius_mi, modality_mask,"
           " price, languages, session_lengths, nmt_training")
MASK = (
    "(SELECT coalesce(bit_or(1::bigint << mo.search_bit), 0) FROM therapist_modalities tm"
    " JOIN modalities mo ON mo.id = tm.modality_id WHERE tm.therapist_id = t.id)"
)
LANGUAGES = ("(SELECT coalesce(bit_or(1::bigint << n.search_bit), 0) FROM language_names n"
             " WHERE strpos(lower(CAST(t.languages AS TEXT)), n.name) > 0)")
_MINUTES = "CAST(j.value AS INTEGER)"
SESSION_LENGTHS = (
    f"(SELECT coalesce(bit_or(CASE WHEN j.value ~ '^[0-9]{{1,3}}$' THEN CASE WHEN {_MINUTES} % 15 = 0"
    f" AND {_MINUTES} BETWEEN 15 AND 900 THEN 1::bigint << ({_MINUTES} / 15) END END), 0)"
    " FROM json_array_elements_text(CASE WHEN json_typeof(CAST(t.session_lengths AS JSON)) = 'array'"
    " THEN CAST(t.session_lengths AS JSON) ELSE '[]' END) AS j(value))"
)
_TRAINING = "lower(t.training || ' ' || CAST(t.certifications AS TEXT))"
NMT = f"(strpos({_TRAINING}, 'nmt') > 0 OR strpos({_TRAINING}, 'neuromuscular') > 0)"


def _planes_of(which: str) -> str:
    """SELECT the rows on every other plane for the rows on the plane of any modality that meet `which`."""

    def rows(plane: str, joins: str = "", where: str = "") -> str:
        return (f"SELECT {COLUMNS}, {plane} FROM listing_points p{joins}"
                f" WHERE p.plane = {ANY_PLANE} AND {which}{' AND ' + where if where else ''}")

    return " UNION ALL ".join([
        rows(f"mo.search_bit * {PLANE_SPACING}", " JOIN modalities mo ON (p.modality_mask >> mo.search_bit) & 1 = 1"),
        rows(f"({LANGUAGE_PLANES} + b.search_bit) * {PLANE_SPACING}",
             " JOIN (SELECT DISTINCT search_bit FROM language_names) b ON (p.languages >> b.search_bit) & 1 = 1"),
        rows(str(NMT_PLANE * PLANE_SPACING), where="p.nmt_training"),
        rows(str(MOBILE_PLANE * PLANE_SPACING), where="p.mobile"),
        rows(f"({SESSION_LENGTH_PLANES} + k) * {PLANE_SPACING}",
             " JOIN generate_series(1, 60) AS k ON (p.session_lengths >> k) & 1 = 1"),
        rows(f"{PRICE_PLANE * PLANE_SPACING} + least(p.price, {MAX_PRICE_AXIS})", where="p.price IS NOT NULL"),
    ])


UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"ALTER TABLE listing_points ADD COLUMN plane DOUBLE PRECISION NOT NULL DEFAULT {ANY_PLANE}",
    "ALTER TABLE listing_points DROP CONSTRAINT listing_points_pkey",
    "DROP INDEX ix_listing_points_point",
    "DROP INDEX ix_listing_points_mobile_point",
    f"INSERT INTO listing_points ({COLUMNS}, plane) {_planes_of('true')}",
    "ALTER TABLE listing_points ADD CONSTRAINT listing_points_pkey PRIMARY KEY (location_id, plane)",
    "CREATE INDEX ix_listing_points_point ON listing_points USING gist (plane, point(longitude, latitude))",
    "CREATE INDEX ix_listing_points_mobile_point ON listing_points USING gist (plane, point(longitude, latitude))"
    " WHERE mobile",
    f"""CREATE OR REPLACE FUNCTION refresh_listing_points(therapist INTEGER) RETURNS void LANGUAGE sql AS $$
        DELETE FROM listing_points WHERE therapist_id = therapist;
        INSERT INTO listing_points ({COLUMNS})
        SELECT l.id, l.therapist_id, l.latitude, l.longitude, t.accepting_new_clients, t.mobile, t.service_radius_mi,
        {MASK}, COALESCE(t.price_min, t.price_max), {LANGUAGES}, {SESSION_LENGTHS}, {NMT}
        FROM locations l JOIN therapists t ON t.id = l.therapist_id WHERE t.status = '{PUBLISHED}' AND t.id = therapist;
        INSERT INTO listing_points ({COLUMNS}, plane) {_planes_of('p.therapist_id = therapist')};
    $$""",
    # Changed language names change the language planes: the therapists whose languages change are refreshed.
    f"""CREATE OR REPLACE FUNCTION listing_points_follow_language_names() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM refresh_listing_points(t.id) FROM therapists t
        WHERE EXISTS (SELECT 1 FROM listing_points p WHERE p.therapist_id = t.id AND p.plane = {ANY_PLANE}
                      AND p.languages <> {LANGUAGES});
        RETURN NULL;
    END $$""",
]


def _downgrade(restored_0014) -> list[str]:
    return [
        *restored_0014,
        "DROP INDEX ix_listing_points_mobile_point",
        "DROP INDEX ix_listing_points_point",
        f"DELETE FROM listing_points WHERE plane <> {ANY_PLANE}",
        "ALTER TABLE listing_points DROP CONSTRAINT listing_points_pkey",
        "ALTER TABLE listing_points DROP COLUMN plane",
        "ALTER TABLE listing_points ADD CONSTRAINT listing_points_pkey PRIMARY KEY (location_id)",
        "CREATE INDEX ix_listing_points_point ON listing_points USING gist (point(longitude, latitude))",
        "CREATE INDEX ix_listing_points_mobile_point ON listing_points USING gist (point(longitude, latitude)) WHERE mobile",
    ]


def _functions_of_0014() -> list[str]:
    """Migration 0014's functions, which a downgrade puts back."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("listing_point_offers_0014",
                                                  Path(__file__).with_name("0014_listing_point_offers.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    functions = ("FUNCTION refresh_listing_points(", "FUNCTION listing_points_follow_language_names(")
    return [s.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) for s in module.POSTGRESQL_UPGRADE
            if s.startswith(("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")) and any(f in s for f in functions)]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in _downgrade(_functions_of_0014()):
            op.execute(statement)
