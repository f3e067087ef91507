"""users.handle and email_notifications, notifications, issue_subscriptions, outbox: the inbox

Every existing user gets a handle from their email's local part (the characters a handle may
have, lower case; a number added when it is taken), in the order they signed up. The outbox
holds mail to send, written with the change that causes it. Subscriptions start empty: issues made before this revision notify their creator and assignee once they
comment, are mentioned, or subscribe.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 08:00:00
"""
import re

from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _handles(rows):
    """(id, handle) for (id, email) rows, as services/notifications.py makes them at signup."""
    taken, out = set(), []
    for user_id, email in rows:
        base = re.sub(r"[^a-z0-9._-]", "", email.split("@", 1)[0].lower())[:24] or "user"
        base = base if len(base) >= 2 else base + "0"
        handle, n = base, 1
        while handle in taken:
            n += 1
            handle = f"{base}{n}"
        taken.add(handle)
        out.append((user_id, handle))
    return out


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('handle', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('email_notifications', sa.Boolean(), server_default=sa.true(), nullable=False))
    users = sa.table('users', sa.column('id', sa.Uuid()), sa.column('email', sa.String()),
                     sa.column('handle', sa.String()), sa.column('created_at', sa.DateTime(timezone=True)))
    rows = bind.execute(sa.select(users.c.id, users.c.email).order_by(users.c.created_at, users.c.id)).all()
    for user_id, handle in _handles(rows):
        bind.execute(users.update().where(users.c.id == user_id).values(handle=handle))
    with op.batch_alter_table('users') as batch:
        batch.alter_column('handle', existing_type=sa.String(length=30), nullable=False)
        batch.create_unique_constraint(op.f('uq_users_handle'), ['handle'])

    op.create_table(
        'notifications',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('type', sa.String(length=20), nullable=False),
        sa.Column('issue_id', sa.Uuid(), nullable=False),
        sa.Column('actor_id', sa.Uuid(), nullable=False),
        sa.Column('comment_id', sa.Uuid(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_notifications_issue_id_issues'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_notifications_comment_id_comments'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    op.create_index('ix_notifications_user_created', 'notifications', ['user_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_notifications_unread', 'notifications', ['user_id'], unique=False,
                    postgresql_where=sa.text('read_at IS NULL'), sqlite_where=sa.text('read_at IS NULL'))
    op.create_index('ix_notifications_issue', 'notifications', ['issue_id'], unique=False)
    op.create_table(
        'issue_subscriptions',
        sa.Column('issue_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('subscribed', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_subscriptions_issue_id_issues'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_issue_subscriptions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('issue_id', 'user_id', name=op.f('pk_issue_subscriptions')),
    )


    op.create_table(
        'outbox',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('topic', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    )
    op.create_index('ix_outbox_due', 'outbox', ['available_at'], unique=False,
                    postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))
    op.create_index('uq_outbox_pending_key', 'outbox', ['key'], unique=True,
                    postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))


def downgrade():
    op.drop_index('uq_outbox_pending_key', table_name='outbox')
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_table('outbox')
    op.drop_table('issue_subscriptions')
    op.drop_index('ix_notifications_issue', table_name='notifications')
    op.drop_index('ix_notifications_unread', table_name='notifications')
    op.drop_index('ix_notifications_user_created', table_name='notifications')
    op.drop_table('notifications')
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint(op.f('uq_users_handle'), type_='unique')
        batch.drop_column('email_notifications')
        batch.drop_column('handle')
