"""Planning facts each issue row shows (labels, sub-issue progress, blocked), computed in the
issue's own SELECT as correlated subqueries: a list of any length runs no query per row."""
import uuid

from sqlalchemy import String, cast, exists, func, literal, select
from sqlalchemy.orm import aliased, column_property

from ..vocabulary import DONE, OPEN_STATUSES
from .issue import Issue
from .label import Label, issue_labels
from .relation import IssueParent, IssueRelation

FIELD_SEP, ITEM_SEP = "\x1e", "\x1f"  # label names refuse control characters, so these never clash


class LabelChip:
    """A label as an issue row shows it."""

    __slots__ = ("id", "color", "name")

    def __init__(self, id: str, color: str, name: str):
        self.id, self.color, self.name = str(uuid.UUID(id)), color, name

    def brief(self) -> dict:
        return {"id": self.id, "name": self.name, "color": self.color}


def parse_labels(summary: str | None) -> list[LabelChip]:
    """The labels of a row's `label_summary` (id, colour and name per item), by name."""
    chips = [LabelChip(*item.split(FIELD_SEP, 2)) for item in (summary or "").split(ITEM_SEP) if item]
    return sorted(chips, key=lambda c: (c.name.lower(), c.name))

_child = aliased(Issue, name="child_issue")
_blocker = aliased(Issue, name="blocker_issue")

Issue.label_summary = column_property(
    select(func.aggregate_strings(cast(Label.id, String) + literal(FIELD_SEP) + Label.color
                                  + literal(FIELD_SEP) + Label.name, ITEM_SEP))
    .select_from(issue_labels.join(Label, Label.id == issue_labels.c.label_id))
    .where(issue_labels.c.issue_id == Issue.id).correlate(Issue).scalar_subquery())
Issue.parent_id = column_property(
    select(IssueParent.parent_id).where(IssueParent.issue_id == Issue.id).correlate(Issue).scalar_subquery())
Issue.sub_total = column_property(
    select(func.count()).select_from(IssueParent).where(IssueParent.parent_id == Issue.id)
    .correlate(Issue).scalar_subquery())
Issue.sub_done = column_property(
    select(func.count()).select_from(IssueParent).join(_child, _child.id == IssueParent.issue_id)
    .where(IssueParent.parent_id == Issue.id, _child.status == DONE).correlate(Issue).scalar_subquery())
Issue.blocked = column_property(
    exists().where(IssueRelation.target_id == Issue.id, IssueRelation.type == "blocks",
                   _blocker.id == IssueRelation.source_id, _blocker.status.in_(OPEN_STATUSES))
    .correlate(Issue))
