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
import importlib.util
from pathlib import Path

from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def _migration_0014():
    """Migration 0014, whose planes and SQL for a therapist's offers this one uses, and whose functions a
    downgrade puts back."""
    spec = importlib.util.spec_from_file_location("listing_point_offers_0014",
                                                  Path(__file__).with_name("0014_listing_point_offers.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OFFERS = _migration_0014()
PLANE_SPACING = OFFERS.PLANE_SPACING
ANY_PLANE = OFFERS.ANY_MODALITY * PLANE_SPACING
COLUMNS = f"{OFFERS.POSTGRESQL_COLUMNS}, {OFFERS.POSTGRESQL_OFFER_COLUMNS}"
LANGUAGES = OFFERS._language_mask("postgresql")


def _planes_of(which: str) -> str:
    """SELECT the rows on every other plane for the rows on the plane of any modality that meet `which`."""

    def rows(plane: str, joins: str = "", where: str = "") -> str:
        return (f"SELECT {COLUMNS}, {plane} FROM listing_points p{joins}"
                f" WHERE p.plane = {ANY_PLANE} AND {which}{' AND ' + where if where else ''}")

    return " UNION ALL ".join([
        rows(f"mo.search_bit * {PLANE_SPACING}", " JOIN modalities mo ON (p.modality_mask >> mo.search_bit) & 1 = 1"),
        rows(f"({OFFERS.LANGUAGE_PLANES} + b.search_bit) * {PLANE_SPACING}",
             " JOIN (SELECT DISTINCT search_bit FROM language_names) b ON (p.languages >> b.search_bit) & 1 = 1"),
        rows(str(OFFERS.NMT_PLANE * PLANE_SPACING), where="p.nmt_training"),
        rows(str(OFFERS.MOBILE_PLANE * PLANE_SPACING), where="p.mobile"),
        rows(f"({OFFERS.SESSION_LENGTH_PLANES} + k) * {PLANE_SPACING}",
             " JOIN generate_series(1, 60) AS k ON (p.session_lengths >> k) & 1 = 1"),
        rows(f"{OFFERS.PRICE_PLANE * PLANE_SPACING} + least(p.price, {OFFERS.MAX_PRICE_AXIS})", where="p.price IS NOT NULL"),
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
        INSERT INTO listing_points ({COLUMNS}) {OFFERS._postgresql_points_of('therapist')};
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
    functions = ("FUNCTION refresh_listing_points(", "FUNCTION listing_points_follow_language_names(")
    return [s.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) for s in OFFERS.POSTGRESQL_UPGRADE
            if s.startswith(("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")) and any(f in s for f in functions)]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in _downgrade(_functions_of_0014()):
            op.execute(statement)
