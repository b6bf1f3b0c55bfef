"""deflections keep their key (the votes cast during them) and their browser's key (one customer's
deflections counted once when the search learns from them)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deflection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('browser_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_deflection_submission_key', ['submission_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deflection', schema=None) as batch_op:
        batch_op.drop_index('ix_deflection_submission_key')
        batch_op.drop_column('browser_key')
        batch_op.drop_column('submission_key')
