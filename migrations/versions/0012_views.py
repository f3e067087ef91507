"""saved_views: saved issue-list filters of a team, private to their owner or shared

`filters` is a JSON object stored as text (as the outbox's payload is), so the table is the
same on SQLite and PostgreSQL. A new table only: nothing existing is copied or rewritten.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_views',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('team_id', sa.Uuid(), nullable=False),
        sa.Column('owner_id', sa.Uuid(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('filters', sa.Text(), nullable=False),
        sa.Column('layout', sa.String(length=10), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("layout in ('list', 'board')", name=op.f('ck_saved_views_layout')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_saved_views_team_id_teams'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_views_owner_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    )
    op.create_index('ix_saved_views_team', 'saved_views', ['team_id'], unique=False)
    op.create_index('ix_saved_views_owner', 'saved_views', ['owner_id'], unique=False)


def downgrade():
    op.drop_index('ix_saved_views_owner', table_name='saved_views')
    op.drop_index('ix_saved_views_team', table_name='saved_views')
    op.drop_table('saved_views')
