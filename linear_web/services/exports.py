"""CSV export of a filter, streamed from one server-side cursor in batches (memory stays flat)."""
import csv
import io
from collections.abc import Iterator

from sqlalchemy import String, case, func, literal, select
from sqlalchemy.orm import aliased

from ..infra.extensions import db
from ..models import Cycle, Issue, IssueParent, Project, Team, User
from ..models.issue import identifier_sql
from ..models.planning import parse_labels
from ..vocabulary import estimate_label
from .issue_queries import IssueFilters, filtered

COLUMNS = ("identifier", "title", "status", "priority", "team", "project", "assignee", "creator",
           "created_at", "updated_at", "labels", "parent", "due_date", "estimate", "cycle")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000


def safe_cell(value) -> str:
    """Guard against formula injection in spreadsheets."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def guarded(column):
    """safe_cell() in SQL: a leading ' on text that starts with a formula character (NULL stays NULL)."""
    return case((func.substr(column, 1, 1).in_(DANGEROUS), literal("'", String) + column), else_=column)


def iso_utc(column):
    """A timestamp as datetime.isoformat() writes it in UTC (microseconds only when non-zero),
    formatted by PostgreSQL: parsing 200,000 timestamps into datetimes and formatting them again
    in Python was a third of a 100k-row export."""
    utc = func.timezone("UTC", column)
    fraction = case((func.date_trunc("second", column) == column, ""), else_=func.to_char(utc, ".US"))
    return func.concat(func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS'), fraction, "+00:00")


def export_rows(actor: User, filters: IssueFilters) -> Iterator[str]:
    """Yield CSV text: the header, then one chunk per batch of rows."""
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        out = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return out

    writer.writerow(COLUMNS)
    yield "\ufeff" + flush()
    # The database hands over finished cells (identifier, guarded text, and on PostgreSQL the
    # timestamps), so each batch goes to csv.writer.writerows as it comes. Identifiers, statuses,
    # priorities and timestamps cannot start with a formula character: only free text is guarded.
    on_pg = db.session.get_bind().dialect.name == "postgresql"
    stamps = (iso_utc(Issue.created_at), iso_utc(Issue.updated_at)) if on_pg else (Issue.created_at, Issue.updated_at)
    assignee, creator, parent = aliased(User), aliased(User), aliased(Issue)
    parent_number = (select(parent.number).join(IssueParent, IssueParent.parent_id == parent.id)
                     .where(IssueParent.issue_id == Issue.id).correlate(Issue).scalar_subquery())
    stmt = (select(identifier_sql(Team.key, Issue.number), guarded(Issue.title), Issue.status, Issue.priority,
                   guarded(Team.name), guarded(Project.name), guarded(assignee.name), guarded(creator.name), *stamps,
                   Issue.label_summary, identifier_sql(Team.key, parent_number), Issue.due_date, Issue.estimate,
                   Team.estimates, Cycle.name, Cycle.number)
            .select_from(Issue).join(Team, Issue.team_id == Team.id)
            .outerjoin(Cycle, Issue.cycle_id == Cycle.id)
            .outerjoin(Project, Issue.project_id == Project.id)
            .outerjoin(assignee, Issue.assignee_id == assignee.id).join(creator, Issue.creator_id == creator.id)
            .where(filtered(actor, filters).whereclause).order_by(Issue.created_at.desc(), Issue.id.desc()))
    # One query read through a server-side cursor in batches: memory stays flat, and the sort
    # runs once. (Keyset batches re-sorted the remaining rows every time; BENCHMARKS.md.)
    result = db.session.connection().execute(stmt.execution_options(stream_results=True, yield_per=BATCH))
    for rows in result.partitions(BATCH):
        writer.writerows(_row(r, on_pg) for r in rows)
        yield flush()
    result.close()
    db.session.remove()


def _row(r, on_pg: bool) -> tuple:
    """The finished cells of one row: planning cells are formatted here (labels by name, the
    estimate on the team's scale, the cycle by its name or "Cycle N")."""
    stamps = (r[8], r[9]) if on_pg else (r[8].isoformat(), r[9].isoformat())
    names = ", ".join(chip.name for chip in parse_labels(r[10]))
    return (*r[:8], *stamps, safe_cell(names), r[11] or "", r[12].isoformat() if r[12] else "",
            estimate_label(r[14], r[13]), safe_cell(r[15]) if r[15] else (f"Cycle {r[16]}" if r[16] else ""))


def export_filename(team_key: str | None) -> str:
    from datetime import date
    return f"linear_web-{(team_key or 'issues').lower()}-{date.today().isoformat()}.csv"
