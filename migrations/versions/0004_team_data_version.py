"""team data version for cached list fragments

`teams.data_version` goes up at the commit of every transaction that changes what the team's
issue lists show. A cached list fragment is served only while the team's data_version is the one
it was rendered at; the check runs in the same single query that verifies the session and the
membership, so every process sees a change the moment it commits (no in-process counters that a
process without a LISTEN connection would never hear about).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 17:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on both databases (SQLite adds and, since 3.35, drops columns natively). No
    # batch mode: recreating `teams` on SQLite would drop it, and foreign keys cascade on drop.
    op.add_column('teams', sa.Column('data_version', sa.BigInteger(), server_default='0', nullable=False))


def downgrade():
    op.drop_column('teams', 'data_version')
