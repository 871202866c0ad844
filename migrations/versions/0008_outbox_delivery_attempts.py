"""outbox delivery attempts: the mail worker's status, attempt count and next try per message

Pages no longer send mail; the `flask send-mail` worker delivers the outbox with retries and backoff.
Existing rows keep what happened to them: sent ones are `sent`, ones whose only attempt failed are
`failed` (an old message is not worth sending late), the rest wait for the worker. SQLite rebuilds
the outbox table for the NOT NULL and the checks; no foreign key points at it.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=8), server_default='queued', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE outbox SET next_attempt_at = created_at")
    op.execute("UPDATE outbox SET status = 'sent', attempts = 1 WHERE sent_at IS NOT NULL")
    op.execute("UPDATE outbox SET status = 'failed', attempts = 1 WHERE sent_at IS NULL AND error <> ''")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('next_attempt_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_check_constraint(op.f('ck_outbox_status_known'), "status IN ('queued', 'sent', 'failed')")
        batch_op.create_check_constraint(op.f('ck_outbox_attempts_not_negative'), 'attempts >= 0')
        batch_op.create_index(op.f('ix_outbox_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_outbox_status_next_attempt_at'))
        batch_op.drop_constraint(op.f('ck_outbox_attempts_not_negative'), type_='check')
        batch_op.drop_constraint(op.f('ck_outbox_status_known'), type_='check')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
