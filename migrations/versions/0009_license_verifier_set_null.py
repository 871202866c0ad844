"""license_verified_by_id ON DELETE SET NULL: removing a moderator keeps the listings they verified

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:40:00.000000

PostgreSQL replaces the foreign key. SQLite cannot alter a constraint, and rebuilding `therapists`
(Alembic's batch mode) would drop its listing-point trigger and, with foreign keys on, cascade the
drop to every location. The action of a foreign key is not part of the stored rows, so SQLite's own
procedure for such changes applies instead (https://sqlite.org/lang_altertable.html, "making other
kinds of table schema changes"): rewrite the table's definition in the schema, bump the schema
version, and check integrity.
"""
from alembic import op
from sqlalchemy import text


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FOREIGN_KEY = 'fk_therapists_license_verified_by_id_admins'
# 0003 declared the key on the column; the new one is a named table constraint, the form SQLAlchemy
# reflects with its ON DELETE (so the schema test can compare it with the model).
SQLITE_INLINE = ' REFERENCES admins (id)'
SQLITE_COLUMN = 'license_verified_by_id INTEGER'
SQLITE_TABLE_CONSTRAINT = (f', \n\tCONSTRAINT {FOREIGN_KEY} FOREIGN KEY(license_verified_by_id) '
                           'REFERENCES admins (id) ON DELETE SET NULL')


def _with_set_null(definition: str) -> str:
    inline = SQLITE_COLUMN + SQLITE_INLINE
    if inline not in definition or not definition.endswith('\n)'):
        raise RuntimeError("therapists' definition is not the one migration 0003 left; change its key by hand")
    return definition.replace(inline, SQLITE_COLUMN)[:-2] + SQLITE_TABLE_CONSTRAINT + '\n)'


def _without_set_null(definition: str) -> str:
    if SQLITE_TABLE_CONSTRAINT not in definition:
        raise RuntimeError("therapists' definition is not the one migration 0009 left; change its key by hand")
    return definition.replace(SQLITE_TABLE_CONSTRAINT, '').replace(SQLITE_COLUMN, SQLITE_COLUMN + SQLITE_INLINE, 1)


def _rewrite_sqlite_definition(change) -> None:
    bind = op.get_bind()
    definition = bind.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'therapists'")).scalar()
    version = bind.execute(text('PRAGMA schema_version')).scalar()
    bind.execute(text('PRAGMA writable_schema = ON'))
    bind.execute(text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'therapists'"),
                 {'sql': change(definition)})
    bind.execute(text(f'PRAGMA schema_version = {version + 1}'))
    bind.execute(text('PRAGMA writable_schema = OFF'))
    problems = bind.execute(text('PRAGMA integrity_check')).scalars().all()
    if problems != ['ok']:
        raise RuntimeError(f'integrity check failed after changing the foreign key: {problems}')


def _replace_postgresql_foreign_key(ondelete: str | None) -> None:
    op.drop_constraint(FOREIGN_KEY, 'therapists', type_='foreignkey')
    op.create_foreign_key(FOREIGN_KEY, 'therapists', 'admins', ['license_verified_by_id'], ['id'], ondelete=ondelete)


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _rewrite_sqlite_definition(_with_set_null)
    else:
        _replace_postgresql_foreign_key('SET NULL')


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _rewrite_sqlite_definition(_without_set_null)
    else:
        _replace_postgresql_foreign_key(None)
