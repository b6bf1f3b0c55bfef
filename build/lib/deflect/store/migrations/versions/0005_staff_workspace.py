"""the staff workspace: saved replies, the staff audit log, sign-in times, votes tied to a deflection,
indexes for the queue's filters

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'], name='fk_saved_reply_updated_by_id_staff'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('saved_reply', schema=None) as batch_op:
        batch_op.create_index('ix_saved_reply_lang', ['lang'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=320), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name='fk_audit_log_staff_id_staff'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_staff_id', ['staff_id'], unique=False)

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('article_feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deflection_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_article_feedback_deflection_key', ['deflection_key'], unique=False)

    with op.batch_alter_table('support_case', schema=None) as batch_op:
        batch_op.create_index('ix_case_assignee_queue', ['assignee_id', 'status', 'severity', 'due_at'],
                              unique=False)
        batch_op.create_index('ix_case_escalation', ['escalation', 'status'], unique=False)
        batch_op.create_index('ix_case_product', ['product', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('support_case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_product')
        batch_op.drop_index('ix_case_escalation')
        batch_op.drop_index('ix_case_assignee_queue')
    with op.batch_alter_table('article_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_article_feedback_deflection_key')
        batch_op.drop_column('deflection_key')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('last_signed_in_at')
    op.drop_table('audit_log')
    op.drop_table('saved_reply')
