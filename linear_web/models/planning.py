"""Planning facts each issue row shows: labels (`Issue.label_summary`), sub-issue progress and
"blocked", all stored on the row, so a list of any length runs no query per row. Here: how the
label text reads and writes, and the SQL that works each fact out from the planning tables, which
services/labels.py and services/rollups.py write back to the rows."""
import uuid

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.orm import aliased, column_property, load_only, raiseload

from ..vocabulary import DONE, OPEN_STATUSES
from .issue import Issue
from .label import Label, issue_labels
from .relation import IssueParent, IssueRelation

FIELD_SEP, ITEM_SEP = "\x1e", "\x1f"  # label names refuse control characters, so these never clash


class LabelChip:
    """A label as an issue row shows it."""

    __slots__ = ("raw_id", "color", "name")

    def __init__(self, raw_id: str, color: str, name: str):
        self.raw_id, self.color, self.name = raw_id, color, name

    @property
    def id(self) -> str:
        """The label's id in the usual form (SQLite's text of a UUID has no hyphens). Worked out
        only when asked: rows and cards show names and colours, and a board has thousands of chips."""
        return str(uuid.UUID(self.raw_id))

    def brief(self) -> dict:
        return {"id": self.id, "name": self.name, "color": self.color}


def parse_labels(summary: str | None) -> list[LabelChip]:
    """The labels of a row's `label_summary` (id, colour and name per item), by name."""
    chips = [LabelChip(*item.split(FIELD_SEP, 2)) for item in (summary or "").split(ITEM_SEP) if item]
    return sorted(chips, key=lambda c: (c.name.lower(), c.name))

def summary_of(labels) -> str | None:
    """The stored `label_summary` of a set of labels (Labels or LabelChips); None for none."""
    return ITEM_SEP.join(f"{label.id}{FIELD_SEP}{label.color}{FIELD_SEP}{label.name}" for label in labels) or None


def summary_sql(issue_id, *, without_label=None):
    """SQL for the label summary of the issue `issue_id` (a column), as the database holds its
    labels now (optionally leaving out one label): what a label's rename or deletion writes back."""
    stmt = (select(func.aggregate_strings(cast(Label.id, String) + literal(FIELD_SEP) + Label.color
                                          + literal(FIELD_SEP) + Label.name, ITEM_SEP))
            .select_from(issue_labels.join(Label, Label.id == issue_labels.c.label_id))
            .where(issue_labels.c.issue_id == issue_id))
    if without_label is not None:
        stmt = stmt.where(issue_labels.c.label_id != without_label)
    return stmt.scalar_subquery()


def brief_columns(entity=Issue) -> tuple:
    """Loader options for an issue shown only by identifier, title and status (a sub-issue, a
    parent, the other side of a relation): none of the planning subqueries, no description, no
    assignee or project join. Reading anything else raises, so tests catch a template that does."""
    return (load_only(entity.id, entity.team_id, entity.number, entity.title, entity.status, raiseload=True),
            raiseload(entity.assignee), raiseload(entity.project))


Issue.parent_id = column_property(
    select(IssueParent.parent_id).where(IssueParent.issue_id == Issue.id).correlate(Issue).scalar_subquery())


def sub_total_sql(issue_id):
    """SQL: how many sub-issues the issue `issue_id` (a column) has, as the database holds them now."""
    return select(func.count()).select_from(IssueParent).where(IssueParent.parent_id == issue_id).scalar_subquery()


def sub_done_sql(issue_id):
    """SQL: how many of the issue's sub-issues are done."""
    child = aliased(Issue.__table__, name="child_issue")
    return (select(func.count()).select_from(IssueParent).join(child, child.c.id == IssueParent.issue_id)
            .where(IssueParent.parent_id == issue_id, child.c.status == DONE).scalar_subquery())


def blocked_sql(issue_id):
    """SQL: true when some open issue blocks the issue. Written as "the first such relation, if
    any" rather than EXISTS: PostgreSQL may run an EXISTS as a hashed subplan that first finds every
    blocked issue of the database; a LIMIT 1 subquery is one index probe (ix_issue_relations_target)."""
    blocker = aliased(Issue.__table__, name="blocker_issue")
    return (select(literal(1)).select_from(IssueRelation).join(blocker, blocker.c.id == IssueRelation.source_id)
            .where(IssueRelation.target_id == issue_id, IssueRelation.type == "blocks",
                   blocker.c.status.in_(OPEN_STATUSES))
            .limit(1).scalar_subquery().is_not(None))
