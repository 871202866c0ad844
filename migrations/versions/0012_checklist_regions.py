"""checklists: where it hurts (the pain map's region slugs the person ticked, and the map's version)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:00:00.000000

Checklists saved before keep no regions: an empty list and no version.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regions', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('regions_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.drop_column('regions_version')
        batch_op.drop_column('regions')
