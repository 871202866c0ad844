"""The migrations build exactly the schema the models describe, plus the spatial index of migration 0004."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from directory.extensions import db
from directory.therapists.models import LOCATIONS_GIST_INDEX, LOCATIONS_RTREE, described_by_models


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": described_by_models}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_comparison_leaves_out_only_the_spatial_index():
    assert not described_by_models(LOCATIONS_RTREE, "table", {})
    assert not described_by_models(f"{LOCATIONS_RTREE}_node", "table", {})
    assert not described_by_models(LOCATIONS_GIST_INDEX, "index", {})
    assert described_by_models("locations", "table", {})
    assert described_by_models("ix_locations_latitude_longitude", "index", {})


def test_the_spatial_index_replaces_the_latitude_longitude_index(app):
    indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("locations")}
    assert "ix_locations_latitude_longitude" not in indexes
    assert "ix_locations_therapist_id" in indexes


def spatial_entries():
    """What the spatial index holds, as (location id, lat, lon): the R*Tree's rows, or what the GiST index finds."""
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text(f"SELECT id, min_lat, min_lon FROM {LOCATIONS_RTREE}"))
        return {(i, round(lat, 4), round(lon, 4)) for i, lat, lon in rows}
    assert db.session.scalar(text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": LOCATIONS_GIST_INDEX}
    ) == f"CREATE INDEX {LOCATIONS_GIST_INDEX} ON public.locations USING gist (point(longitude, latitude))"
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = db.session.execute(text(
        "SELECT id, latitude, longitude FROM locations WHERE point(longitude, latitude) <@ box '((-180,-90),(180,90))'"
    ))
    return {(i, round(lat, 4), round(lon, 4)) for i, lat, lon in rows}


def test_the_spatial_index_follows_inserts_updates_and_deletes(make_therapist):
    kept = make_therapist(at=[(27.7, -82.6), (28.0, -82.5)])
    gone = make_therapist(at=(30.0, -81.0))
    first, second = kept.locations
    assert spatial_entries() == {
        (first.id, 27.7, -82.6), (second.id, 28.0, -82.5), (gone.locations[0].id, 30.0, -81.0)
    }
    first.latitude, first.longitude = 26.5, -80.1
    db.session.delete(gone)
    db.session.commit()
    assert spatial_entries() == {(first.id, 26.5, -80.1), (second.id, 28.0, -82.5)}
