"""The migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from directory.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_location_search_columns_are_indexed(app):
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(db.engine).get_indexes("locations")}
    assert indexes["ix_locations_latitude_longitude"] == ["latitude", "longitude"]
