"""saved_views.display: a view's display options (grouping, the properties rows show)

A view kept its filters, sort and layout; the list's and board's display options (issue 16:
group by status, assignee, project, priority, label or cycle; which properties rows show) were
lost on saving. A JSON object as text, "{}" meaning the defaults (services/display.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 17:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('saved_views') as batch:
        batch.add_column(sa.Column('display', sa.Text(), nullable=False, server_default='{}'))


def downgrade():
    with op.batch_alter_table('saved_views') as batch:
        batch.drop_column('display')
