"""CSV export of a filter, streamed in keyset batches (memory stays flat)."""
import csv
import io
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Issue, Project, Team, User, iso
from .issue_queries import IssueFilters, filtered

COLUMNS = ("identifier", "title", "status", "priority", "team", "project", "assignee", "creator",
           "created_at", "updated_at")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000


def safe_cell(value) -> str:
    """Guard against formula injection in spreadsheets."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def export_rows(actor: User, filters: IssueFilters) -> Iterator[str]:
    """Yield CSV text: the header, then rows in batches of plain tuples (no ORM objects kept)."""
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        out = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return out

    writer.writerow(COLUMNS)
    yield "\ufeff" + flush()
    assignee, creator = aliased(User), aliased(User)
    ids = filtered(actor, filters).with_only_columns(Issue.id).subquery()
    base = (select(Team.key, Issue.number, Issue.title, Issue.status, Issue.priority, Team.name,
                   Project.name, assignee.name, creator.name, Issue.created_at, Issue.updated_at, Issue.id)
            .join(Team, Issue.team_id == Team.id).outerjoin(Project, Issue.project_id == Project.id)
            .outerjoin(assignee, Issue.assignee_id == assignee.id).join(creator, Issue.creator_id == creator.id)
            .where(Issue.id.in_(select(ids.c.id))).order_by(Issue.created_at.desc(), Issue.id.desc()))
    last = None
    while True:
        stmt = base
        if last is not None:
            stmt = stmt.where((Issue.created_at < last[0]) | ((Issue.created_at == last[0]) & (Issue.id < last[1])))
        rows = db.session.execute(stmt.limit(BATCH)).all()
        for r in rows:
            writer.writerow([safe_cell(v) for v in (f"{r[0]}-{r[1]}", r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                                                    iso(r[9]), iso(r[10]))])
        if rows:
            yield flush()
        if len(rows) < BATCH:
            break
        last = (rows[-1][9], rows[-1][11])
    db.session.remove()


def export_filename(team_key: str | None) -> str:
    from datetime import date
    return f"linear_web-{(team_key or 'issues').lower()}-{date.today().isoformat()}.csv"
