"""webhooks, webhook_deliveries; the outbox's lanes and failed_at

Webhooks (issue 17): a team's URLs that receive its events, and each event's delivery, sent by
the outbox that already sends mail. The outbox learns two things for them: lanes (a webhook's
deliveries go out one at a time, oldest first) and `failed_at` (given up on after the topic's
last attempt; before, a message that ran out of attempts stayed pending for ever and kept its key
taken, so that user's later notification mails were never queued).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 17:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

PENDING = "sent_at IS NULL AND failed_at IS NULL"


def upgrade():
    op.create_table(
        'webhooks',
        sa.Column('id', sa.Uuid(), primary_key=True),
        sa.Column('team_id', sa.Uuid(), sa.ForeignKey('teams.id', ondelete='CASCADE'), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('events', sa.Text(), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('creator_id', sa.Uuid(), sa.ForeignKey('users.id', ondelete='SET NULL'), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_webhooks_team', 'webhooks', ['team_id'])
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Uuid(), primary_key=True),
        sa.Column('webhook_id', sa.Uuid(), sa.ForeignKey('webhooks.id', ondelete='CASCADE'), nullable=False),
        sa.Column('event_type', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_webhook_deliveries_hook', 'webhook_deliveries', ['webhook_id', 'created_at'])
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('lane', sa.String(length=100), nullable=True))
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_index('uq_outbox_pending_key', table_name='outbox')
    op.create_index('ix_outbox_due', 'outbox', ['available_at'], postgresql_where=sa.text(PENDING),
                    sqlite_where=sa.text(PENDING))
    op.create_index('uq_outbox_pending_key', 'outbox', ['key'], unique=True, postgresql_where=sa.text(PENDING),
                    sqlite_where=sa.text(PENDING))
    op.create_index('ix_outbox_lane', 'outbox', ['lane', 'created_at'], postgresql_where=sa.text(PENDING),
                    sqlite_where=sa.text(PENDING))


def downgrade():
    op.drop_index('ix_outbox_lane', table_name='outbox')
    op.drop_index('uq_outbox_pending_key', table_name='outbox')
    op.drop_index('ix_outbox_due', table_name='outbox')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('lane')
        batch.drop_column('failed_at')
    op.create_index('ix_outbox_due', 'outbox', ['available_at'], postgresql_where=sa.text("sent_at IS NULL"),
                    sqlite_where=sa.text("sent_at IS NULL"))
    op.create_index('uq_outbox_pending_key', 'outbox', ['key'], unique=True,
                    postgresql_where=sa.text("sent_at IS NULL"), sqlite_where=sa.text("sent_at IS NULL"))
    op.drop_index('ix_webhook_deliveries_hook', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index('ix_webhooks_team', table_name='webhooks')
    op.drop_table('webhooks')
