"""notifications.status: the status a status change set, as the inbox line tells it

A line said "changed the status of ENG-7 to <the issue's status now>": after a second change
every older line named the newest status. Rows written before this revision keep null, and their
lines fall back to the issue's status as before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('status', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('status')
