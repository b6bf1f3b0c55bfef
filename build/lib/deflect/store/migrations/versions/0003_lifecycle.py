"""the case lifecycle: staff, state kept beside each case, richer events, the mail outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import secrets

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['support_case.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_mail_outbox_due', ['sent_at', 'failed_at', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('support_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_token', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('owner_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('owner_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('escalation', sa.String(length=20), nullable=True))
        for name in ('first_response_at', 'last_agent_update_at', 'last_customer_update_at', 'last_nudge_at',
                     'pending_since', 'last_reminder_at', 'due_at', 'solved_at', 'closed_at', 'survey_sent_at'):
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminders_sent', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('paused_seconds', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('solved_with_article', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('survey_score', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('survey_comment', sa.Text(), nullable=True))
        batch_op.create_unique_constraint('uq_support_case_reply_token', ['reply_token'])
        batch_op.create_foreign_key('fk_support_case_assignee_id_staff', 'staff', ['assignee_id'], ['id'])
        batch_op.create_index('ix_support_case_assignee_id', ['assignee_id'], unique=False)
        batch_op.create_index('ix_support_case_lang', ['lang'], unique=False)
        batch_op.create_index('ix_support_case_owner_email', ['owner_email'], unique=False)
        batch_op.create_index('ix_case_email', ['email'], unique=False)
        batch_op.create_index('ix_case_queue', ['status', 'severity', 'due_at'], unique=False)

    # Cases filed before the lifecycle get what it needs: an address to reply to, a last change.
    connection = op.get_bind()
    cases = connection.execute(sa.text("SELECT id, created_at FROM support_case")).all()
    for case_id, created_at in cases:
        connection.execute(sa.text("UPDATE support_case SET reply_token = :t, updated_at = :u WHERE id = :i"),
                           {"t": secrets.token_hex(12), "u": created_at, "i": case_id})
    with op.batch_alter_table('support_case', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.alter_column('actor', existing_type=sa.String(length=200), type_=sa.String(length=320))
        batch_op.add_column(sa.Column('actor_kind', sa.String(length=20), nullable=False, server_default='system'))
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('from_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('to_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('public', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
        batch_op.create_foreign_key('fk_case_event_staff_id_staff', 'staff', ['staff_id'], ['id'])
    # "customer:camille@example.com" (the only actor before the lifecycle) becomes a kind and a name.
    connection.execute(sa.text(
        "UPDATE case_event SET actor_kind = 'customer', actor = substr(actor, 10) WHERE actor LIKE 'customer:%'"))

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_attachment_event_id_case_event', 'case_event', ['event_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index('ix_attachment_event_id', ['event_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_event_id')
        batch_op.drop_constraint('fk_attachment_event_id_case_event', type_='foreignkey')
        batch_op.drop_column('event_id')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_constraint('fk_case_event_staff_id_staff', type_='foreignkey')
        for name in ('body', 'public', 'to_status', 'from_status', 'staff_id', 'actor_kind'):
            batch_op.drop_column(name)
        batch_op.alter_column('actor', existing_type=sa.String(length=320), type_=sa.String(length=200))
    with op.batch_alter_table('support_case', schema=None) as batch_op:
        for index in ('ix_case_queue', 'ix_case_email', 'ix_support_case_owner_email', 'ix_support_case_lang',
                      'ix_support_case_assignee_id'):
            batch_op.drop_index(index)
        batch_op.drop_constraint('fk_support_case_assignee_id_staff', type_='foreignkey')
        batch_op.drop_constraint('uq_support_case_reply_token', type_='unique')
        for name in ('survey_comment', 'survey_score', 'solved_with_article', 'paused_seconds', 'reminders_sent',
                     'survey_sent_at', 'closed_at', 'solved_at', 'due_at', 'last_reminder_at', 'pending_since',
                     'last_nudge_at', 'last_customer_update_at', 'last_agent_update_at', 'first_response_at',
                     'escalation', 'assignee_id', 'updated_at', 'version', 'owner_email', 'owner_name',
                     'reply_token'):
            batch_op.drop_column(name)
    op.drop_table('mail_outbox')
    op.drop_table('staff')
