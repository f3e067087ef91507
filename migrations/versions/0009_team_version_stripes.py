"""team_versions: the team's data version in 16 stripes instead of one column of the team's row;
the search index without a pending list (PostgreSQL)

Every write in a team bumped teams.data_version and so held the team's row lock until its commit:
concurrent writes in one team queued behind each other (issue 13). The version is now the sum of
up to 16 rows per team; each committing writer adds 1 to one of them, chosen at random. The old
value becomes stripe 0, so cached fragments stay valid across the upgrade.

On PostgreSQL the full-text index also stops collecting new entries in a pending list
(fastupdate = off): every search scanned that list linearly until the next vacuum, which made
searches several times slower while issues were being created (bench/results-api-mix-*.md).
Each insert now updates the index directly, a little slower, and search time stays flat.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'team_versions',
        sa.Column('team_id', sa.Uuid(), nullable=False),
        sa.Column('slot', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_versions_team_id_teams'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('team_id', 'slot', name=op.f('pk_team_versions')),
    )
    op.execute("INSERT INTO team_versions (team_id, slot, version) SELECT id, 0, data_version FROM teams")
    with op.batch_alter_table('teams') as batch:
        batch.drop_column('data_version')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER INDEX ix_issues_search_vector SET (fastupdate = off)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER INDEX ix_issues_search_vector RESET (fastupdate)")
    with op.batch_alter_table('teams') as batch:
        batch.add_column(sa.Column('data_version', sa.BigInteger(), server_default='0', nullable=False))
    op.execute("UPDATE teams SET data_version = COALESCE((SELECT sum(v.version) FROM team_versions v"
               " WHERE v.team_id = teams.id), 0)")
    op.drop_table('team_versions')
