"""language names: the names listings write languages by, with the search bit of each language

The seed run fills the table from seeds/languages.json; migration 0014 reads it to keep each listing
point's languages as a bit mask.

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


def upgrade():
    op.create_table(
        'language_names',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('search_bit', sa.SmallInteger(), nullable=False),
        sa.CheckConstraint('search_bit BETWEEN 0 AND 62', name=op.f('ck_language_names_search_bit_range')),
        sa.CheckConstraint("name <> ''", name=op.f('ck_language_names_name_not_empty')),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_language_names')),
    )


def downgrade():
    op.drop_table('language_names')
