"""expression index for the priority sort

`sort=priority` orders by (COALESCE(NULLIF(priority, 0), 4), created_at DESC, id DESC): high,
medium, low, then none. No index served the rank (a CASE expression before this migration), so
every list group sorted all of a team's matching rows (~40 ms per group on 80,000 issues); this
index makes it an ordered index scan that stops at the page size (~1 ms). Declared in
models/issue.py with the same expression (PRIORITY_RANK). See bench/results-issues.md.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 14:55:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX (no batch): SQLite and PostgreSQL both support expression indexes.
    op.create_index('ix_issues_team_priority_rank', 'issues',
                    ['team_id', sa.text('COALESCE(NULLIF(priority, 0), 4)'),
                     sa.text('created_at DESC'), sa.text('id DESC')], unique=False)


def downgrade():
    op.drop_index('ix_issues_team_priority_rank', table_name='issues')
