"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 08:05:13.050958

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("slug <> ''", name=op.f('ck_conditions_slug_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conditions')),
    sa.UniqueConstraint('slug', name=op.f('uq_conditions_slug'))
    )
    op.create_table('geocode_cache',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=255), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_geocode_cache')),
    sa.UniqueConstraint('query', name=op.f('uq_geocode_cache_query'))
    )
    op.create_table('modalities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("slug <> ''", name=op.f('ck_modalities_slug_not_empty')),
    sa.ForeignKeyConstraint(['parent_id'], ['modalities.id'], name=op.f('fk_modalities_parent_id_modalities'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_modalities')),
    sa.UniqueConstraint('slug', name=op.f('uq_modalities_slug'))
    )
    op.create_table('therapists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('practice_name', sa.String(length=160), nullable=True),
    sa.Column('credentials', sa.JSON(), nullable=False),
    sa.Column('license_number', sa.String(length=40), nullable=False),
    sa.Column('license_state', sa.String(length=64), nullable=False),
    sa.Column('years_in_practice', sa.Integer(), nullable=True),
    sa.Column('training', sa.Text(), nullable=False),
    sa.Column('certifications', sa.JSON(), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('price_min', sa.Integer(), nullable=True),
    sa.Column('price_max', sa.Integer(), nullable=True),
    sa.Column('session_lengths', sa.JSON(), nullable=False),
    sa.Column('accepting_new_clients', sa.Boolean(), nullable=False),
    sa.Column('mobile', sa.Boolean(), nullable=False),
    sa.Column('service_radius_mi', sa.Float(), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('is_sample', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("license_number <> ''", name=op.f('ck_therapists_license_number_not_empty')),
    sa.CheckConstraint("name <> ''", name=op.f('ck_therapists_name_not_empty')),
    sa.CheckConstraint("slug <> ''", name=op.f('ck_therapists_slug_not_empty')),
    sa.CheckConstraint("status IN ('pending', 'published', 'rejected', 'unpublished')", name=op.f('ck_therapists_status_known')),
    sa.CheckConstraint('(mobile AND service_radius_mi > 0 AND service_radius_mi <= 100) OR (NOT mobile AND service_radius_mi IS NULL)', name=op.f('ck_therapists_service_radius_only_when_mobile')),
    sa.CheckConstraint('price_max IS NULL OR price_min IS NULL OR price_max >= price_min', name=op.f('ck_therapists_price_range_ordered')),
    sa.CheckConstraint('price_min IS NULL OR price_min > 0', name=op.f('ck_therapists_price_min_positive')),
    sa.CheckConstraint('years_in_practice IS NULL OR (years_in_practice >= 0 AND years_in_practice <= 80)', name=op.f('ck_therapists_years_in_practice_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapists')),
    sa.UniqueConstraint('slug', name=op.f('uq_therapists_slug'))
    )
    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('postal_code', sa.String(length=16), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.CheckConstraint('latitude >= -90 AND latitude <= 90', name=op.f('ck_locations_latitude_range')),
    sa.CheckConstraint('longitude >= -180 AND longitude <= 180', name=op.f('ck_locations_longitude_range')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_locations_therapist_id_therapists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations'))
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index('ix_locations_latitude_longitude', ['latitude', 'longitude'], unique=False)
        batch_op.create_index(batch_op.f('ix_locations_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('therapist_conditions',
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['condition_id'], ['conditions.id'], name=op.f('fk_therapist_conditions_condition_id_conditions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_therapist_conditions_therapist_id_therapists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('therapist_id', 'condition_id', name=op.f('pk_therapist_conditions'))
    )
    with op.batch_alter_table('therapist_conditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_therapist_conditions_condition_id'), ['condition_id'], unique=False)

    op.create_table('therapist_modalities',
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('modality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['modality_id'], ['modalities.id'], name=op.f('fk_therapist_modalities_modality_id_modalities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_therapist_modalities_therapist_id_therapists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('therapist_id', 'modality_id', name=op.f('pk_therapist_modalities'))
    )
    with op.batch_alter_table('therapist_modalities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_therapist_modalities_modality_id'), ['modality_id'], unique=False)



def downgrade():
    with op.batch_alter_table('therapist_modalities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_therapist_modalities_modality_id'))

    op.drop_table('therapist_modalities')
    with op.batch_alter_table('therapist_conditions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_therapist_conditions_condition_id'))

    op.drop_table('therapist_conditions')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locations_therapist_id'))
        batch_op.drop_index('ix_locations_latitude_longitude')

    op.drop_table('locations')
    op.drop_table('therapists')
    op.drop_table('modalities')
    op.drop_table('geocode_cache')
    op.drop_table('conditions')
