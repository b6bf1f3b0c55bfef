"""one word per thing: a deflection is a deflection, not a session

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table('deflection_session', 'deflection')
    with op.batch_alter_table('suggestion_shown', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestion_shown_session_id')
        batch_op.alter_column('session_id', new_column_name='deflection_id')
    with op.batch_alter_table('suggestion_shown', schema=None) as batch_op:
        batch_op.create_index('ix_suggestion_shown_deflection_id', ['deflection_id'], unique=False)
    with op.batch_alter_table('support_case', schema=None) as batch_op:
        batch_op.alter_column('deflection_session_id', new_column_name='deflection_id')


def downgrade() -> None:
    with op.batch_alter_table('support_case', schema=None) as batch_op:
        batch_op.alter_column('deflection_id', new_column_name='deflection_session_id')
    with op.batch_alter_table('suggestion_shown', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestion_shown_deflection_id')
        batch_op.alter_column('deflection_id', new_column_name='session_id')
    with op.batch_alter_table('suggestion_shown', schema=None) as batch_op:
        batch_op.create_index('ix_suggestion_shown_session_id', ['session_id'], unique=False)
    op.rename_table('deflection', 'deflection_session')
