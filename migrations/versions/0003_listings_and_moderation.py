"""listings and moderation

Therapists submit and edit their own listings; moderators review them. New tables for moderators,
the audit log, revisions, private-link tokens, problem reports and the mail outbox; new columns on
therapists and locations. Columns added to existing tables are nullable or have a server default,
so the upgrade works on a populated database, and no existing table is rebuilt: on SQLite a rebuild
drops `therapists`, which with foreign keys on would cascade to its locations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 08:13:56.171989

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('admins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("email <> ''", name=op.f('ck_admins_email_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admins')),
    sa.UniqueConstraint('email', name=op.f('uq_admins_email'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_created_at'), ['created_at'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('admin_id', sa.Integer(), nullable=True),
    sa.Column('admin_email', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=True),
    sa.Column('therapist_name', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.CheckConstraint("action <> ''", name=op.f('ck_audit_log_action_not_empty')),
    sa.ForeignKeyConstraint(['admin_id'], ['admins.id'], name=op.f('fk_audit_log_admin_id_admins'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_audit_log_therapist_id_therapists'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_admin_id'), ['admin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('listing_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('reporter_email', sa.String(length=254), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.CheckConstraint("reason IN ('wrong_contact', 'closed', 'not_licensed', 'not_me', 'other')", name=op.f('ck_listing_reports_reason_known')),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_listing_reports_status_known')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['admins.id'], name=op.f('fk_listing_reports_resolved_by_id_admins'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_listing_reports_therapist_id_therapists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_reports'))
    )
    with op.batch_alter_table('listing_reports', schema=None) as batch_op:
        batch_op.create_index('ix_listing_reports_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_reports_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('listing_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("purpose IN ('edit', 'confirm')", name=op.f('ck_listing_tokens_purpose_known')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_listing_tokens_therapist_id_therapists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_listing_tokens_token_hash'))
    )
    with op.batch_alter_table('listing_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_tokens_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_revisions_status_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['admins.id'], name=op.f('fk_revisions_decided_by_id_admins'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_revisions_therapist_id_therapists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions'))
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index('ix_revisions_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_therapist_id'), ['therapist_id'], unique=False)

    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('geocoded_as', sa.String(length=300), server_default='', nullable=False))

    with op.batch_alter_table('therapists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('license_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reconfirmation_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_by_moderator', sa.Boolean(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_therapists_contact_email'), ['contact_email'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot add a constraint to an existing table, but can add a column that references one.
        op.add_column('therapists', sa.Column(
            'license_verified_by_id', sa.Integer(), sa.ForeignKey('admins.id'), nullable=True
        ), inline_references=True)
    else:
        op.add_column('therapists', sa.Column('license_verified_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_therapists_license_verified_by_id_admins'), 'therapists', 'admins',
                              ['license_verified_by_id'], ['id'])


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # Dropping a referencing column rebuilds the table; keep the rebuild from cascading to locations.
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('therapists', schema=None) as batch_op:
        if not sqlite:
            batch_op.drop_constraint(batch_op.f('fk_therapists_license_verified_by_id_admins'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_therapists_contact_email'))
        batch_op.drop_column('held_by_moderator')
        batch_op.drop_column('reconfirmation_sent_at')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('last_checked_at')
        batch_op.drop_column('license_verified_by_id')
        batch_op.drop_column('license_verified_at')
        batch_op.drop_column('version')
        batch_op.drop_column('contact_email')

    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_column('geocoded_as')

    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_therapist_id'))
        batch_op.drop_index('ix_revisions_status_created_at')

    op.drop_table('revisions')
    with op.batch_alter_table('listing_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_tokens_therapist_id'))

    op.drop_table('listing_tokens')
    with op.batch_alter_table('listing_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_reports_therapist_id'))
        batch_op.drop_index('ix_listing_reports_status_created_at')

    op.drop_table('listing_reports')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_therapist_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_admin_id'))

    op.drop_table('audit_log')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_created_at'))

    op.drop_table('outbox')
    op.drop_table('admins')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
