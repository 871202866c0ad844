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


def _language_mask(dialect: str) -> str:
    """SQL: the search bits of the language names a therapist `t` writes."""
    if dialect == "sqlite":
        return ("(SELECT coalesce(sum(DISTINCT 1 << n.search_bit), 0) FROM language_names n"
                " WHERE instr(lower(CAST(t.languages AS TEXT)), n.name) > 0)")
    return ("(SELECT coalesce(bit_or(1::bigint << n.search_bit), 0) FROM language_names n"
            " WHERE strpos(lower(CAST(t.languages AS TEXT)), n.name) > 0)")


def _offers(dialect: str) -> str:
    """SQL for the four offer columns of a therapist row `t`: price, languages, session lengths, NMT training."""
    find = "instr" if dialect == "sqlite" else "strpos"
    training = "lower(t.training || ' ' || CAST(t.certifications AS TEXT))"
    nmt = "(" + " OR ".join(f"{find}({training}, '{word}') > 0" for word in NMT_WORDS) + ")"
    if dialect == "sqlite":
        lengths = ("(SELECT coalesce(sum(DISTINCT 1 << (j.value / 15)), 0) FROM json_each(t.session_lengths) j"
                   " WHERE j.type = 'integer' AND j.value % 15 = 0 AND j.value BETWEEN 15 AND 900)")
    else:
        minutes = "CAST(j.value AS INTEGER)"
        lengths = (
            f"(SELECT coalesce(bit_or(CASE WHEN j.value ~ '^[0-9]{{1,3}}$' THEN CASE WHEN {minutes} % 15 = 0"
            f" AND {minutes} BETWEEN 15 AND 900 THEN 1::bigint << ({minutes} / 15) END END), 0)"
            " FROM json_array_elements_text(CASE WHEN json_typeof(CAST(t.session_lengths AS JSON)) = 'array'"
            " THEN CAST(t.session_lengths AS JSON) ELSE '[]' END) AS j(value))"
        )
    return f"COALESCE(t.price_min, t.price_max) AS price, {_language_mask(dialect)} AS languages, {lengths} AS session_lengths, {nmt} AS nmt_training"


# SQLite's R*Tree gets planes for the offers too (0005 gave each modality's search bit a plane): a plane per
# language bit, one for NMT training, one per session length, one for mobile therapists (who may visit from
# farther than the radius), and one whose third coordinate is the price, so
# that a search with such a filter reads only the entries that meet it. Entry ids: SLOTS x the location id +
# 1 + the plane. Lengths are planes 128 + minutes / 15 (at most 900 minutes: 188); prices above MAX_PRICE_AXIS
# lie at its end (no search asks for more than 10,000).
SLOTS = 256
LANGUAGE_PLANES = 64
NMT_PLANE = 127
SESSION_LENGTH_PLANES = 128
MOBILE_PLANE = 189
PRICE_PLANE = 190
MAX_PRICE_AXIS = 20_000
_SESSION_LENGTH_STEPS = "[" + ", ".join(str(n) for n in range(1, 61)) + "]"


def _sqlite_offered(therapists: str) -> str:
    """SELECT what the entries of each published therapist in `therapists` hold (SQL for one id or a SELECT of
    ids; all if empty) as `o`'s columns: id, accepting, mobile, service_radius_mi, modality_mask and the offers."""
    mask = (
        "(SELECT coalesce(sum(1 << mo.search_bit), 0) FROM therapist_modalities tm"
        " JOIN modalities mo ON mo.id = tm.modality_id WHERE tm.therapist_id = t.id)"
    )
    which = f" AND t.id IN ({therapists})" if therapists else ""
    return (
        f"SELECT t.id, t.accepting_new_clients AS accepting, t.mobile, t.service_radius_mi, {mask} AS modality_mask,"
        f" {_offers('sqlite')} FROM therapists t WHERE t.status = '{PUBLISHED}'{which}"
    )


def _sqlite_points_of(offered: str) -> str:
    """SELECT the R*Tree entries of the therapists `offered` names (a table or a subquery, as `o`)."""

    def entries(plane: str, joins: str = "", where: str = "", axis: str = "") -> str:
        axis = axis or f"({plane}) * {PLANE_SPACING}"
        return (
            f"SELECT l.id * {SLOTS} + 1 + ({plane}), l.latitude, l.latitude, l.longitude, l.longitude,"
            f" {axis} - 1, {axis} + 1, l.therapist_id, l.id, l.latitude, l.longitude, o.accepting, o.mobile,"
            f" o.service_radius_mi, o.modality_mask, o.price, o.languages, o.session_lengths, o.nmt_training"
            f" FROM {offered} o JOIN locations l ON l.therapist_id = o.id{joins}{' WHERE ' + where if where else ''}"
        )

    return " UNION ALL ".join([
        entries(str(ANY_MODALITY)),
        entries("mo.search_bit", " JOIN modalities mo ON (o.modality_mask >> mo.search_bit) & 1 = 1"),
        entries(f"{LANGUAGE_PLANES} + b.search_bit",
                " JOIN (SELECT DISTINCT search_bit FROM language_names) b ON (o.languages >> b.search_bit) & 1 = 1"),
        entries(str(NMT_PLANE), where="o.nmt_training"),
        entries(str(MOBILE_PLANE), where="o.mobile"),
        entries(f"{SESSION_LENGTH_PLANES} + k.value",
                f" JOIN json_each('{_SESSION_LENGTH_STEPS}') k ON (o.session_lengths >> k.value) & 1 = 1"),
        entries(str(PRICE_PLANE), where="o.price IS NOT NULL",
                axis=f"({PRICE_PLANE * PLANE_SPACING} + min(o.price, {MAX_PRICE_AXIS}))"),
    ])


def _sqlite_entries_of(location: str) -> str:
    """The ids every R*Tree entry of `location` (an SQL expression) may have."""
    return ", ".join(f"{location} * {SLOTS} + {n}" for n in range(SLOTS))


_EVERY_SLOT = "SELECT value AS n FROM json_each('[" + ", ".join(str(n) for n in range(SLOTS)) + "]')"


def _sqlite_refresh(therapists: str) -> str:
    """Statements rewriting the R*Tree entries of `therapists` (SQL for one id, or a SELECT of ids)."""
    return (
        f"DELETE FROM listing_points WHERE id IN (SELECT l.id * {SLOTS} + slots.n FROM locations l,"
        f" ({_EVERY_SLOT}) AS slots WHERE l.therapist_id IN ({therapists}));"
        f" INSERT INTO listing_points {_sqlite_points_of(f'({_sqlite_offered(therapists)})')};"
    )


def _sqlite_language_name_trigger(event: str, names: tuple[str, ...]) -> str:
    """A trigger refreshing the entries of the therapists who write a language name an `event` adds or removes."""
    writes = " OR ".join(f"instr(lower(CAST(t.languages AS TEXT)), {name}.name) > 0" for name in names)
    return f"""CREATE TRIGGER listing_points_language_name_{event.lower()} AFTER {event} ON language_names BEGIN
        {_sqlite_refresh(f'SELECT t.id FROM therapists t WHERE {writes}')}
    END"""


# Migration 0005's triggers, which this one writes again, and the ones it adds.
SQLITE_TRIGGERS_OF_0005 = ("listing_points_search_bit_update", "listing_points_modality_delete",
                           "listing_points_modality_update", "listing_points_modality_insert",
                           "listing_points_therapist_update", "listing_points_location_delete",
                           "listing_points_location_update", "listing_points_location_insert")
SQLITE_TRIGGERS = ("listing_points_language_name_insert", "listing_points_language_name_update",
                   "listing_points_language_name_delete", *SQLITE_TRIGGERS_OF_0005)

SQLITE_UPGRADE = [
    *(f"DROP TRIGGER {trigger}" for trigger in SQLITE_TRIGGERS_OF_0005),
    "DROP TABLE listing_points",
    "CREATE VIRTUAL TABLE listing_points USING rtree(id, min_lat, max_lat, min_lon, max_lon, min_plane, max_plane,"
    " +therapist_id, +location_id, +latitude, +longitude, +accepting, +mobile, +service_radius_mi, +modality_mask,"
    " +price, +languages, +session_lengths, +nmt_training)",
    # What each therapist offers is worked out once, not once per plane.
    f"CREATE TEMP TABLE offered_by_therapist AS {_sqlite_offered('')}",
    f"INSERT INTO listing_points {_sqlite_points_of('offered_by_therapist')}",
    "DROP TABLE offered_by_therapist",
    _sqlite_language_name_trigger("INSERT", ("new",)),
    _sqlite_language_name_trigger("UPDATE", ("old", "new")),
    _sqlite_language_name_trigger("DELETE", ("old",)),
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
    # The seed run rewrites language_names rarely and all at once: each statement refreshes every mask.
    f"""CREATE FUNCTION listing_points_follow_language_names() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE listing_points p SET languages = o.languages
        FROM (SELECT t.id, {_language_mask('postgresql')} AS languages FROM therapists t) o
        WHERE o.id = p.therapist_id AND p.languages <> o.languages;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER listing_points_language_names AFTER INSERT OR UPDATE OR DELETE ON language_names
        FOR EACH STATEMENT EXECUTE FUNCTION listing_points_follow_language_names()""",
]


def _postgresql_downgrade():
    before = _migration_0005()
    refresh = next(s for s in before.POSTGRESQL_UPGRADE if "FUNCTION refresh_listing_points" in s)
    return [
        "DROP TRIGGER listing_points_language_names ON language_names",
        "DROP FUNCTION listing_points_follow_language_names()",
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
