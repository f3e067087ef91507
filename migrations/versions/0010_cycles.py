"""cycles, cycle_changes, issues.cycle_id, the teams' cycle settings

Cycles are a team's time-boxed sprints (services/cycles.py). cycle_changes holds each day's
change to a cycle's scope and done count, written in the transaction of the change, so a
burndown is one GROUP BY. New columns take defaults, which PostgreSQL adds without rewriting.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 03:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cycles',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('team_id', sa.Uuid(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('final_scope', sa.Integer(), nullable=True),
        sa.Column('final_completed', sa.Integer(), nullable=True),
        sa.Column('final_points', sa.Integer(), nullable=True),
        sa.Column('final_points_done', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_cycles_dates')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_cycles_team_id_teams'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cycles')),
        sa.UniqueConstraint('team_id', 'number', name='uq_cycles_team_number'),
    )
    op.create_index('ix_cycles_team_starts', 'cycles', ['team_id', 'starts_on'], unique=False)
    op.create_table(
        'cycle_changes',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('cycle_id', sa.Uuid(), nullable=False),
        sa.Column('issue_id', sa.Uuid(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('scope', sa.SmallInteger(), nullable=False),
        sa.Column('done', sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_changes_cycle_id_cycles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_changes')),
    )
    op.create_index('ix_cycle_changes_cycle_day', 'cycle_changes', ['cycle_id', 'day'], unique=False)
    with op.batch_alter_table('teams') as batch:
        batch.add_column(sa.Column('cycle_counter', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('cycles_auto', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('cycle_weeks', sa.SmallInteger(), server_default='2', nullable=False))
        batch.add_column(sa.Column('cycle_start_day', sa.SmallInteger(), server_default='0', nullable=False))
    # Plain ALTER TABLE on both databases, as in 0005: a batch copy of `issues` on SQLite would
    # drop its full-text triggers. SQLite takes the REFERENCES clause inline with ADD COLUMN (and
    # keeps the column on downgrade: see there).
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('issues', sa.Column('cycle_id', sa.Uuid(), nullable=True))
        op.create_foreign_key(op.f('fk_issues_cycle_id_cycles'), 'issues', 'cycles', ['cycle_id'], ['id'],
                              ondelete='SET NULL')
    elif 'cycle_id' not in {c['name'] for c in sa.inspect(op.get_bind()).get_columns('issues')}:
        op.execute("ALTER TABLE issues ADD COLUMN cycle_id CHAR(32) CONSTRAINT fk_issues_cycle_id_cycles "
                   "REFERENCES cycles (id) ON DELETE SET NULL")
    op.create_index('ix_issues_cycle_status', 'issues', ['cycle_id', 'status'], unique=False)


def downgrade():
    op.drop_index('ix_issues_cycle_status', table_name='issues')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('fk_issues_cycle_id_cycles'), 'issues', type_='foreignkey')
        op.drop_column('issues', 'cycle_id')
    else:
        # SQLite cannot drop a column with a REFERENCES clause in place; a batch copy of `issues`
        # would drop its full-text triggers: the column stays, unused and empty.
        op.execute("UPDATE issues SET cycle_id = NULL")
    with op.batch_alter_table('teams') as batch:
        for column in ('cycle_start_day', 'cycle_weeks', 'cycles_auto', 'cycle_counter'):
            batch.drop_column(column)
    op.drop_index('ix_cycle_changes_cycle_day', table_name='cycle_changes')
    op.drop_table('cycle_changes')
    op.drop_index('ix_cycles_team_starts', table_name='cycles')
    op.drop_table('cycles')
