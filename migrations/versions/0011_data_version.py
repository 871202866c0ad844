"""data version: one counter that every committed change to what public pages show raises

Public pages carry an ETag made from it (directory/caching.py). Triggers on therapists, locations,
therapist_modalities, therapist_conditions, modalities and conditions raise it, whoever writes. On SQLite
(one writer at a time) each changed row raises it in its own transaction. On PostgreSQL a deferred
constraint trigger raises it once per transaction, at commit: the counter's row is then locked only while
committing, so two transactions that change listings never wait for each other in a cycle.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ("therapists", "locations", "therapist_modalities", "therapist_conditions", "modalities", "conditions")
RAISE = ("INSERT INTO data_version (id, version) VALUES (1, 1)"
         " ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1")


def upgrade():
    op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_data_version_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER data_version_{table}_{event.lower()} AFTER {event} ON {table}"
                           f" BEGIN {RAISE}; END")
        return
    op.execute(f"""CREATE FUNCTION raise_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('directory.data_version_raised', true) IS DISTINCT FROM 'yes' THEN
                PERFORM set_config('directory.data_version_raised', 'yes', true);
                {RAISE};
            END IF;
            RETURN NULL;
        END $$""")
    for table in TABLES:
        op.execute(f"CREATE CONSTRAINT TRIGGER data_version_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}"
                   " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_data_version()")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER data_version_{table}_{event}")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER data_version_{table} ON {table}")
        op.execute("DROP FUNCTION raise_data_version()")
    op.drop_table('data_version')
