"""planning: labels, sub-issues, relations, due dates, estimates

Adds tables and nullable columns only (no rewrite of `issues` on either database), so it runs in moments on a
large issues table; the new indexes are built once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('labels',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('color', sa.String(length=7), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_labels_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_labels'))
    )
    op.create_index('uq_labels_team_name', 'labels', ['team_id', sa.text('lower(name)')], unique=True)
    op.create_table('issue_labels',
    sa.Column('issue_id', sa.Uuid(), nullable=False),
    sa.Column('label_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_labels_issue_id_issues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['label_id'], ['labels.id'], name=op.f('fk_issue_labels_label_id_labels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('issue_id', 'label_id', name=op.f('pk_issue_labels'))
    )
    op.create_index('ix_issue_labels_label', 'issue_labels', ['label_id', 'issue_id'], unique=False)
    op.create_table('issue_relations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('target_id', sa.Uuid(), nullable=False),
    sa.Column('pair_key', sa.String(length=73), nullable=False),
    sa.Column('creator_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("type in ('blocks','related','duplicate_of')", name=op.f('ck_issue_relations_type')),
    sa.CheckConstraint('source_id <> target_id', name=op.f('ck_issue_relations_not_self')),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_issue_relations_creator_id_users')),
    sa.ForeignKeyConstraint(['source_id'], ['issues.id'], name=op.f('fk_issue_relations_source_id_issues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['issues.id'], name=op.f('fk_issue_relations_target_id_issues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_relations')),
    sa.UniqueConstraint('pair_key', name=op.f('uq_issue_relations_pair_key'))
    )
    op.create_index('ix_issue_relations_source', 'issue_relations', ['source_id'], unique=False)
    op.create_index('ix_issue_relations_target', 'issue_relations', ['target_id'], unique=False)
    # Plain ALTER TABLE on both databases, as in 0004: no batch copy of `issues` on SQLite.
    op.create_table('issue_parents',
    sa.Column('issue_id', sa.Uuid(), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('issue_id <> parent_id', name=op.f('ck_issue_parents_not_self')),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_parents_issue_id_issues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['issues.id'], name=op.f('fk_issue_parents_parent_id_issues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('issue_id', name=op.f('pk_issue_parents'))
    )
    op.create_index('ix_issue_parents_parent', 'issue_parents', ['parent_id'], unique=False)
    # Plain ALTER TABLE on both databases, as in 0004: no batch copy of `issues` on SQLite.
    op.add_column('issues', sa.Column('due_date', sa.Date(), nullable=True))
    op.add_column('issues', sa.Column('estimate', sa.Integer(), nullable=True))
    op.create_index('ix_issues_team_due', 'issues', ['team_id', 'due_date', 'id'], unique=False)
    op.add_column('teams', sa.Column('estimates', sa.String(length=16), server_default='none', nullable=False))


def downgrade():
    op.drop_column('teams', 'estimates')
    op.drop_index('ix_issues_team_due', table_name='issues')
    op.drop_column('issues', 'estimate')
    op.drop_column('issues', 'due_date')
    op.drop_index('ix_issue_parents_parent', table_name='issue_parents')
    op.drop_table('issue_parents')
    op.drop_index('ix_issue_relations_target', table_name='issue_relations')
    op.drop_index('ix_issue_relations_source', table_name='issue_relations')
    op.drop_table('issue_relations')
    op.drop_index('ix_issue_labels_label', table_name='issue_labels')
    op.drop_table('issue_labels')
    op.drop_index('uq_labels_team_name', table_name='labels')
    op.drop_table('labels')
