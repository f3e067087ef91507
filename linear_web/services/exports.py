"""CSV export of a filter, streamed in keyset batches (memory stays flat)."""
import csv
import io
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Issue, Project, Team, User
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
    stmt = (select(Team.key, Issue.number, Issue.title, Issue.status, Issue.priority, Team.name,
                   Project.name, assignee.name, creator.name, Issue.created_at, Issue.updated_at)
            .select_from(Issue).join(Team, Issue.team_id == Team.id)
            .outerjoin(Project, Issue.project_id == Project.id)
            .outerjoin(assignee, Issue.assignee_id == assignee.id).join(creator, Issue.creator_id == creator.id)
            .where(filtered(actor, filters).whereclause).order_by(Issue.created_at.desc(), Issue.id.desc()))
    # One query read through a server-side cursor in batches: memory stays flat, and the sort
    # runs once. (Keyset batches re-sorted the remaining rows every time: 35 s for 100k issues.)
    result = db.session.execute(stmt.execution_options(stream_results=True, yield_per=BATCH))
    for rows in result.partitions(BATCH):
        # Only free text can start with a formula character: identifiers, statuses, priorities and
        # ISO timestamps (already UTC from the column type) cannot, so they skip the guard.
        writer.writerows((f"{r[0]}-{r[1]}", safe_cell(r[2]), r[3], r[4], safe_cell(r[5]), safe_cell(r[6]),
                          safe_cell(r[7]), safe_cell(r[8]), r[9].isoformat(), r[10].isoformat()) for r in rows)
        yield flush()
    result.close()
    db.session.remove()


def export_filename(team_key: str | None) -> str:
    from datetime import date
    return f"linear_web-{(team_key or 'issues').lower()}-{date.today().isoformat()}.csv"
