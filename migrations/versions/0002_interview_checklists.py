"""interview checklists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 08:06:42.054067

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checklist_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('version > 0', name=op.f('ck_checklist_versions_version_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_checklist_versions_version'))
    )
    op.create_table('checklists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=True),
    sa.Column('therapist_name', sa.String(length=120), nullable=False),
    sa.Column('practice_name', sa.String(length=160), nullable=False),
    sa.Column('therapist_phone', sa.String(length=40), nullable=False),
    sa.Column('therapist_email', sa.String(length=254), nullable=False),
    sa.Column('interview_date', sa.Date(), nullable=True),
    sa.Column('price_quoted', sa.String(length=60), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("therapist_name <> ''", name=op.f('ck_checklists_therapist_name_not_empty')),
    sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 5)', name=op.f('ck_checklists_rating_range')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_checklists_therapist_id_therapists'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['checklist_versions.id'], name=op.f('fk_checklists_version_id_checklist_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklists')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_checklists_token_hash'))
    )
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklists_therapist_id'), ['therapist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklists_version_id'), ['version_id'], unique=False)

    op.create_table('checklist_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=64), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.CheckConstraint("answer IN ('yes', 'no', 'not_sure', 'didnt_ask')", name=op.f('ck_checklist_answers_answer_known')),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], name=op.f('fk_checklist_answers_checklist_id_checklists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_answers')),
    sa.UniqueConstraint('checklist_id', 'question_key', name='uq_checklist_answers_question')
    )


def downgrade():
    op.drop_table('checklist_answers')
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklists_version_id'))
        batch_op.drop_index(batch_op.f('ix_checklists_therapist_id'))

    op.drop_table('checklists')
    op.drop_table('checklist_versions')
