"""issues.label_summary: each issue's labels stored on its row

Lists, boards, the API and the CSV export showed an issue's labels by aggregating issue_labels
joined to labels for every row (a subquery per row: about 10 ms of a 1,000-card board and a
large part of a 100,000-row export). The row now carries the text itself, written by the
service whenever the issue's labels or a label's name or colour change. Filled here from the
existing labels.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

FIELD_SEP, ITEM_SEP = "\x1e", "\x1f"  # as linear_web/models/planning.py writes them


def upgrade():
    op.add_column('issues', sa.Column('label_summary', sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # One pass over issue_labels grouped by issue (a correlated UPDATE took 12.6 s on the
        # 100,000-issue benchmark database; this takes a few seconds).
        op.execute("UPDATE issues AS i SET label_summary = s.summary FROM ("
                   " SELECT il.issue_id, string_agg(l.id::text || chr(30) || l.color || chr(30) || l.name, chr(31))"
                   " AS summary FROM issue_labels il JOIN labels l ON l.id = il.label_id GROUP BY il.issue_id) AS s"
                   " WHERE i.id = s.issue_id")
        return
    issues = sa.table("issues", sa.column("id", sa.Uuid), sa.column("label_summary", sa.Text))
    links = sa.table("issue_labels", sa.column("issue_id", sa.Uuid), sa.column("label_id", sa.Uuid))
    labels = sa.table("labels", sa.column("id", sa.Uuid), sa.column("color", sa.String), sa.column("name", sa.String))
    summary = (sa.select(sa.func.aggregate_strings(sa.cast(labels.c.id, sa.String) + sa.literal(FIELD_SEP)
                                                   + labels.c.color + sa.literal(FIELD_SEP) + labels.c.name, ITEM_SEP))
               .select_from(links.join(labels, labels.c.id == links.c.label_id))
               .where(links.c.issue_id == issues.c.id).scalar_subquery())
    op.execute(issues.update().where(issues.c.id.in_(sa.select(links.c.issue_id))).values(label_summary=summary))


def downgrade():
    op.drop_column('issues', 'label_summary')
