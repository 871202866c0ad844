"""admin sessions, sign-in lockouts, revision versions

Moderators get a session token (rotated at sign-in, sign-out and password change, so a copied cookie
dies with the session); a new table counts wrong passwords per sign-in email, from any address, for a
lockout that holds across workers; revisions get a version the review page carries, so a moderator
approves only what they saw. Existing moderators start without a token: they sign in again. Columns
are added and dropped with plain ALTER TABLE (SQLite has both), never a batch rebuild: on SQLite a
rebuild of `admins` or `revisions` would fire the foreign keys that point at them.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('admins', sa.Column('session_token', sa.String(length=64), nullable=True))
    op.add_column('revisions', sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    op.create_table('login_lockouts',
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('failures > 0', name=op.f('ck_login_lockouts_failures_positive')),
    sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_login_lockouts'))
    )
    with op.batch_alter_table('login_lockouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_lockouts_last_failed_at'), ['last_failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_lockouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_lockouts_last_failed_at'))

    op.drop_table('login_lockouts')
    op.drop_column('revisions', 'version')
    op.drop_column('admins', 'session_token')
