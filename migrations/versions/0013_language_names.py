"""language names: the names listings write languages by, with the search bit of each language

The seed run fills the table from seeds/languages.json; migration 0014 reads it to keep each listing
point's languages as a bit mask. A change to it changes what searches find, so it raises the data
version like the tables of migration 0011.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

EVENTS = ("INSERT", "UPDATE", "DELETE")
# As migration 0011 raises it.
RAISE = ("INSERT INTO data_version (id, version) VALUES (1, 1)"
         " ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1")


def upgrade():
    op.create_table(
        'language_names',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('search_bit', sa.SmallInteger(), nullable=False),
        sa.CheckConstraint('search_bit BETWEEN 0 AND 62', name=op.f('ck_language_names_search_bit_range')),
        sa.CheckConstraint("name <> ''", name=op.f('ck_language_names_name_not_empty')),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_language_names')),
    )
    if op.get_bind().dialect.name == "sqlite":
        for event in EVENTS:
            op.execute(f"CREATE TRIGGER data_version_language_names_{event.lower()} AFTER {event} ON language_names"
                       f" BEGIN {RAISE}; END")
    else:
        op.execute("CREATE CONSTRAINT TRIGGER data_version_language_names AFTER INSERT OR UPDATE OR DELETE"
                   " ON language_names DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_data_version()")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for event in EVENTS:
            op.execute(f"DROP TRIGGER data_version_language_names_{event.lower()}")
    else:
        op.execute("DROP TRIGGER data_version_language_names ON language_names")
    op.drop_table('language_names')
