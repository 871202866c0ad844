"""checklist answers: version 2's scale (good, partly, poor) and NULL for a question not answered yet

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:00:00.000000

Version 2 of the checklist judges each answer against its "good answer" hint instead of Yes/No, and a
question left alone is stored as NULL (not "didn't ask", which the person ticks), so a printout leaves its
boxes empty. Version 1's answers stay as they were.

Downgrading maps version 2's answers onto the old scale (good to yes, partly to not sure, poor to no) and
a question not answered to "didn't ask", the old default: the old check allows nothing else.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CHECK = 'answer_known'
OLD_ANSWERS = "'yes', 'no', 'not_sure', 'didnt_ask'"
NEW_ANSWERS = "'good', 'partly', 'poor', 'didnt_ask', 'yes', 'no', 'not_sure'"


def upgrade():
    # On SQLite the batch rebuilds checklist_answers; nothing references it, so no row elsewhere is touched.
    with op.batch_alter_table('checklist_answers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f'ck_checklist_answers_{CHECK}'), type_='check')
        batch_op.alter_column('answer', existing_type=sa.String(length=16), nullable=True)
        batch_op.create_check_constraint(CHECK, f'answer IS NULL OR answer IN ({NEW_ANSWERS})')


def downgrade():
    op.execute(
        "UPDATE checklist_answers SET answer = CASE answer WHEN 'good' THEN 'yes' WHEN 'partly' THEN 'not_sure' "
        "WHEN 'poor' THEN 'no' ELSE 'didnt_ask' END "
        "WHERE answer IS NULL OR answer IN ('good', 'partly', 'poor')"
    )
    with op.batch_alter_table('checklist_answers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f'ck_checklist_answers_{CHECK}'), type_='check')
        batch_op.alter_column('answer', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_check_constraint(CHECK, f'answer IN ({OLD_ANSWERS})')
