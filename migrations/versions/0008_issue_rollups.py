"""issues.sub_total, sub_done, blocked: sub-issue progress and the blocked mark stored on the row

Lists and boards computed them per row with correlated subqueries over issue_parents and
issue_relations (about 7 ms of a 1,000-card board). The row now carries them, kept by
services/rollups.py at the commit of every change that moves them. Filled here for the issues
that have sub-issues or an open blocker; every other row takes the defaults (0, 0, false),
which PostgreSQL adds without rewriting the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 12:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OPEN = "('backlog','todo','in_progress')"  # the open statuses when this migration was written


def upgrade():
    op.add_column('issues', sa.Column('sub_total', sa.Integer(), server_default='0', nullable=False))
    op.add_column('issues', sa.Column('sub_done', sa.Integer(), server_default='0', nullable=False))
    op.add_column('issues', sa.Column('blocked', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE issues SET"
               " sub_total = (SELECT count(*) FROM issue_parents p WHERE p.parent_id = issues.id),"
               " sub_done = (SELECT count(*) FROM issue_parents p JOIN issues c ON c.id = p.issue_id"
               "             WHERE p.parent_id = issues.id AND c.status = 'done')"
               " WHERE id IN (SELECT parent_id FROM issue_parents)")
    op.execute("UPDATE issues SET blocked = " + ("true" if op.get_bind().dialect.name == "postgresql" else "1") +
               " WHERE id IN (SELECT r.target_id FROM issue_relations r JOIN issues b ON b.id = r.source_id"
               f"             WHERE r.type = 'blocks' AND b.status IN {OPEN})")


def downgrade():
    for column in ('blocked', 'sub_done', 'sub_total'):
        op.drop_column('issues', column)
