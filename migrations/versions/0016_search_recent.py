"""ix_issues_created: the newest issues across teams, for search's candidates

Search ranks at most the 2,000 newest matches of its words. For a common word ("cursor" in
47,198 of 100,000 issues) reading every match and sorting them took 55 ms; with this index,
planned for each word, PostgreSQL walks the newest issues and stops at 2,000 (8 ms). The
palette searches every team of the user at once, so the per-team index does not serve it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 17:10:00
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_issues_created', 'issues', ['created_at', 'id'])


def downgrade():
    op.drop_index('ix_issues_created', table_name='issues')
