"""listing point offers: what a listing offers, kept on its listing points for the search's filters and counts

Besides migration 0005's columns, each listing point now holds the lowest price per session (price_min, or
the only price a listing gives), the languages as a mask of the search bits of language_names (migration
0013), the session lengths as a mask with bit minutes / 15 set for each length (lengths the search offers
are multiples of 15, at most 900 minutes), and whether the training or certifications name NMT or
neuromuscular therapy (either lineage says one of those words). The search filters and counts them
without reading the therapist's row. The triggers of 0005 follow, and now also changes to those columns.

SQLite cannot add columns to an R*Tree: the table and its triggers are built again (their SQL is written out
here again, as a migration keeps the SQL of its time). PostgreSQL gets the columns, and the function that
refreshes a therapist's points writes them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:40:00.000000

"""
import importlib.util
from pathlib import Path

from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

PUBLISHED = "published"
PLANES = 64
ANY_MODALITY = -1
PLANE_SPACING = 1000
NMT_WORDS = ("nmt", "neuromuscular")
# The therapist's columns the points copy or read; a change to any of them refreshes the points.
THERAPIST_COLUMNS = ("status", "accepting_new_clients", "mobile", "service_radius_mi", "price_min", "price_max",
                     "languages", "session_lengths", "training", "certifications")


def _migration_0005():
    """Migration 0005, whose listing points (and their triggers) a downgrade restores."""
    path = Path(__file__).with_name("0005_listing_points.py")
    spec = importlib.util.spec_from_file_location("listing_points_0005", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _offers(dialect: str) -> str:
    """SQL for the four offer columns of a therapist row `t`: price, languages, session lengths, NMT training."""
    find = "instr" if dialect == "sqlite" else "strpos"
    training = "lower(t.training || ' ' || CAST(t.certifications AS TEXT))"
    nmt = "(" + " OR ".join(f"{find}({training}, '{word}') > 0" for word in NMT_WORDS) + ")"
    if dialect == "sqlite":
        languages = ("(SELECT coalesce(sum(DISTINCT 1 << n.search_bit), 0) FROM language_names n"
                     " WHERE instr(lower(CAST(t.languages AS TEXT)), n.name) > 0)")
        lengths = ("(SELECT coalesce(sum(DISTINCT 1 << (j.value / 15)), 0) FROM json_each(t.session_lengths) j"
                   " WHERE j.type = 'integer' AND j.value % 15 = 0 AND j.value BETWEEN 15 AND 900)")
    else:
        languages = ("(SELECT coalesce(bit_or(1::bigint << n.search_bit), 0) FROM language_names n"
                     " WHERE strpos(lower(CAST(t.languages AS TEXT)), n.name) > 0)")
        minutes = "CAST(j.value AS INTEGER)"
        lengths = (
            f"(SELECT coalesce(bit_or(CASE WHEN j.value ~ '^[0-9]{{1,3}}$' THEN CASE WHEN {minutes} % 15 = 0"
            f" AND {minutes} BETWEEN 15 AND 900 THEN 1::bigint << ({minutes} / 15) END END), 0)"
            " FROM json_array_elements_text(CASE WHEN json_typeof(CAST(t.session_lengths AS JSON)) = 'array'"
            " THEN CAST(t.session_lengths AS JSON) ELSE '[]' END) AS j(value))"
        )
    return f"COALESCE(t.price_min, t.price_max), {languages}, {lengths}, {nmt}"


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
            f" {mask}, {_offers('sqlite')} FROM locations l JOIN therapists t ON t.id = l.therapist_id{joins}"
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


SQLITE_TRIGGERS = ("listing_points_search_bit_update", "listing_points_modality_delete", "listing_points_modality_update",
                   "listing_points_modality_insert", "listing_points_therapist_update", "listing_points_location_delete",
                   "listing_points_location_update", "listing_points_location_insert")

SQLITE_UPGRADE = [
    *(f"DROP TRIGGER {trigger}" for trigger in SQLITE_TRIGGERS),
    "DROP TABLE listing_points",
    "CREATE VIRTUAL TABLE listing_points USING rtree(id, min_lat, max_lat, min_lon, max_lon, min_plane, max_plane,"
    " +therapist_id, +location_id, +latitude, +longitude, +accepting, +mobile, +service_radius_mi, +modality_mask,"
    " +price, +languages, +session_lengths, +nmt_training)",
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
    AFTER UPDATE OF {', '.join(THERAPIST_COLUMNS)} ON therapists BEGIN
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


def _sqlite_downgrade():
    restored = _migration_0005().SQLITE_UPGRADE
    first = next(i for i, statement in enumerate(restored) if statement.startswith("CREATE VIRTUAL TABLE listing_points"))
    return [*(f"DROP TRIGGER {trigger}" for trigger in SQLITE_TRIGGERS), "DROP TABLE listing_points", *restored[first:]]


POSTGRESQL_MASK = (
    "(SELECT coalesce(bit_or(1::bigint << mo.search_bit), 0) FROM therapist_modalities tm"
    " JOIN modalities mo ON mo.id = tm.modality_id WHERE tm.therapist_id = t.id)"
)
POSTGRESQL_COLUMNS = "location_id, therapist_id, latitude, longitude, accepting, mobile, service_radius_mi, modality_mask"
POSTGRESQL_OFFER_COLUMNS = "price, languages, session_lengths, nmt_training"


def _postgresql_points_of(therapist: str) -> str:
    return (
        "SELECT l.id, l.therapist_id, l.latitude, l.longitude, t.accepting_new_clients, t.mobile,"
        f" t.service_radius_mi, {POSTGRESQL_MASK}, {_offers('postgresql')}"
        f" FROM locations l JOIN therapists t ON t.id = l.therapist_id WHERE t.status = '{PUBLISHED}'"
        + (f" AND t.id = {therapist}" if therapist else "")
    )


def _postgresql_therapist_trigger(columns) -> list[str]:
    return [
        "DROP TRIGGER listing_points_therapist ON therapists",
        f"""CREATE TRIGGER listing_points_therapist AFTER UPDATE OF {', '.join(columns)}
        ON therapists FOR EACH ROW EXECUTE FUNCTION listing_points_follow()""",
    ]


POSTGRESQL_UPGRADE = [
    "ALTER TABLE listing_points ADD COLUMN price INTEGER, ADD COLUMN languages BIGINT NOT NULL DEFAULT 0,"
    " ADD COLUMN session_lengths BIGINT NOT NULL DEFAULT 0, ADD COLUMN nmt_training BOOLEAN NOT NULL DEFAULT false",
    f"""CREATE OR REPLACE FUNCTION refresh_listing_points(therapist INTEGER) RETURNS void LANGUAGE sql AS $$
        DELETE FROM listing_points WHERE therapist_id = therapist;
        INSERT INTO listing_points ({POSTGRESQL_COLUMNS}, {POSTGRESQL_OFFER_COLUMNS}) {_postgresql_points_of('therapist')};
    $$""",
    # Filled in one pass, like 0005 filled the table, rather than point by point through the function.
    f"UPDATE listing_points p SET ({POSTGRESQL_OFFER_COLUMNS}) = (SELECT {_offers('postgresql')}"
    " FROM therapists t WHERE t.id = p.therapist_id)",
    *_postgresql_therapist_trigger(THERAPIST_COLUMNS),
]


def _postgresql_downgrade():
    before = _migration_0005()
    refresh = next(s for s in before.POSTGRESQL_UPGRADE if "FUNCTION refresh_listing_points" in s)
    return [
        *_postgresql_therapist_trigger(("status", "accepting_new_clients", "mobile", "service_radius_mi")),
        "DROP FUNCTION refresh_listing_points(INTEGER)",
        refresh,
        "ALTER TABLE listing_points DROP COLUMN price, DROP COLUMN languages, DROP COLUMN session_lengths,"
        " DROP COLUMN nmt_training",
    ]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    _run(SQLITE_UPGRADE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_UPGRADE)


def downgrade():
    _run(_sqlite_downgrade() if op.get_bind().dialect.name == "sqlite" else _postgresql_downgrade())
