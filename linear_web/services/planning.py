"""Planning fields of an issue: labels, parent, due date, estimate, cycle. Checked here for create,
update and bulk edits alike, so the browser and the API keep the same rules."""
from __future__ import annotations

import re
import uuid
from datetime import date

from sqlalchemy import case, delete, insert, literal, null, or_, select, union_all

from ..infra.database import prepared
from ..infra.extensions import db
from ..models import Issue, IssueParent, IssueRelation, Team, User
from ..models.planning import brief_columns
from ..vocabulary import ESTIMATE_SCALES, RELATION_INVERSE, estimate_label
from . import access, cycles, labels as label_service, rollups

FIELDS = ("label_ids", "parent_id", "due_date", "estimate", "cycle_id")
ACTIVITY_FIELD = {"label_ids": "labels", "parent_id": "parent", "due_date": "due_date", "estimate": "estimate",
                  "cycle_id": "cycle"}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_DEPTH = 50  # a parent chain longer than this is refused (and stops the loop walk)


def parse_date(errors: dict, field: str, raw, label: str) -> date | None:
    """A YYYY-MM-DD date (None for null or empty); an impossible date is an error on `field`."""
    if raw in (None, ""):
        return None
    if isinstance(raw, str) and DATE.fullmatch(raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    errors[field] = f"{label} must be a real date written YYYY-MM-DD."
    return None


def clean(errors: dict, data: dict) -> dict:
    """Typed values of the planning fields present in data (references are checked later)."""
    out: dict = {}
    if "label_ids" in data:
        raw = data["label_ids"]
        out["label_ids"] = [] if raw is None else raw
    if "parent_id" in data:
        raw = data["parent_id"]
        if raw in (None, ""):
            out["parent_id"] = None
        elif isinstance(raw, uuid.UUID) or (isinstance(raw, str) and len(raw) <= 100 and "\x00" not in raw):
            out["parent_id"] = raw
        else:
            errors["parent_id"] = "Parent must be an issue id or identifier."
    if "cycle_id" in data:
        raw = data["cycle_id"]
        if raw in (None, ""):
            out["cycle_id"] = None
        elif isinstance(raw, uuid.UUID) or (isinstance(raw, str) and len(raw) <= 100 and "\x00" not in raw):
            out["cycle_id"] = raw
        else:
            errors["cycle_id"] = "Cycle must be a cycle id."
    if "due_date" in data:
        out["due_date"] = parse_date(errors, "due_date", data["due_date"], "Due date")
    if "estimate" in data:
        raw = data["estimate"]
        if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 6:
            raw = int(raw)
        if raw in (None, ""):
            out["estimate"] = None
        elif isinstance(raw, bool) or not isinstance(raw, int):
            errors["estimate"] = "Estimate must be a whole number from the team's scale."
        else:
            out["estimate"] = raw
    return out


def resolve(actor: User, errors: dict, team: Team, values: dict, issue: Issue | None = None) -> dict:
    """Check references against the issue's team: labels, parent (no loops), estimate scale.
    Returns the values with labels and parent resolved to objects."""
    out = dict(values)
    if "label_ids" in values:
        out["label_ids"] = label_service.resolve_labels(errors, team.id, values["label_ids"])
    if values.get("parent_id") is not None:
        out["parent_id"] = _parent(actor, errors, team, values["parent_id"], issue)
    if values.get("cycle_id") is not None:
        out["cycle_id"] = cycles.resolve_for_issue(errors, team, values["cycle_id"], issue)
    if values.get("estimate") is not None:
        scale = ESTIMATE_SCALES.get(team.estimates, {})
        kept = issue is not None and issue.estimate == values["estimate"]
        if not scale:
            errors["estimate"] = "This team does not use estimates: choose a scale in team settings first."
        elif values["estimate"] not in scale and not kept:
            allowed = ", ".join(f"{v} ({label})" if label != str(v) else str(v) for v, label in scale.items())
            errors["estimate"] = f"Estimate must be one of the team's scale: {allowed}."
    return out


def _parent(actor: User, errors: dict, team: Team, ref, issue: Issue | None) -> Issue | None:
    """The parent issue: visible, of the same team, and not the issue or one of its descendants."""
    iid = access.resolve_issue_id(ref)
    parent = db.session.scalar(access.visible_issues(actor).where(Issue.id == iid)) if iid else None
    if parent is None:
        errors["parent_id"] = "The parent issue was not found."
        return None
    if parent.team_id != team.id:
        errors["parent_id"] = "The parent must be an issue of the same team."
        return None
    if issue is not None and _loops(issue.id, parent.id):
        errors["parent_id"] = (f"{parent.identifier} cannot be the parent of {issue.identifier}: "
                               f"it is {'the issue itself' if parent.id == issue.id else 'one of its sub-issues'}.")
        return None
    return parent


def _loops(issue_id, parent_id) -> bool:
    """True when parent_id is issue_id or a descendant of it (walking up from the parent)."""
    current = parent_id
    for _ in range(MAX_DEPTH):
        if current is None:
            return False
        if current == issue_id:
            return True
        current = db.session.scalar(select(IssueParent.parent_id).where(IssueParent.issue_id == current))
    return True


def apply(issue: Issue, key: str, value) -> tuple[str | None, str | None] | None:
    """Set one planning field; (old, new) as the activity history reads them, or None if unchanged."""
    if key == "label_ids":
        return label_service.set_issue_labels(issue, value)
    if key == "parent_id":
        old_id = issue.parent_id
        if (value.id if value else None) == old_id:
            return None
        old = db.session.get(Issue, old_id) if old_id else None
        db.session.execute(delete(IssueParent).where(IssueParent.issue_id == issue.id))
        if value is not None:
            db.session.execute(insert(IssueParent).values(issue_id=issue.id, parent_id=value.id))
        rollups.touch(old_id, value.id if value else None)
        return (old.identifier if old else None), (value.identifier if value else None)
    if key == "due_date":
        if issue.due_date == value:
            return None
        old, issue.due_date = issue.due_date, value
        return (old.isoformat() if old else None), (value.isoformat() if value else None)
    if key == "estimate":
        if issue.estimate == value:
            return None
        old, issue.estimate = issue.estimate, value
        scale = issue.team.estimates
        return (estimate_label(scale, old) or None), (estimate_label(scale, value) or None)
    if key == "cycle_id":
        return cycles.move_issue(issue, value)
    raise KeyError(key)


def detach_for_move(issue: Issue) -> tuple[list[tuple[str, str | None, str | None]], list[Issue]]:
    """Before an issue moves team: labels, parent links and cycles are per team, so they go.
    Returns the issue's (field, old, new) changes and its sub-issues, which become top-level."""
    changes = []
    for key in ("parent_id", "label_ids", "cycle_id"):
        change = apply(issue, key, [] if key == "label_ids" else None)
        if change:
            changes.append((ACTIVITY_FIELD[key], *change))
    children = list(db.session.scalars(select(Issue).join(IssueParent, IssueParent.issue_id == Issue.id)
                                       .where(IssueParent.parent_id == issue.id)))
    db.session.execute(delete(IssueParent).where(IssueParent.parent_id == issue.id))
    rollups.touch(issue.id)
    return changes, children



def family(actor: User, issue: Issue, *, brief: bool = False) -> tuple[Issue | None, list[Issue]]:
    """The issue's parent and its direct sub-issues (oldest first): a query for each that it has.
    `brief` loads only what a page shows of them (identifier, title, status)."""
    options = brief_columns() if brief else ()
    parent = db.session.scalar(access.visible_issues(actor).where(Issue.id == issue.parent_id).options(*options)) \
        if issue.parent_id else None
    if not issue.sub_total:
        return parent, []
    children = db.session.scalars(access.visible_issues(actor).join(IssueParent, IssueParent.issue_id == Issue.id)
                                  .where(IssueParent.parent_id == issue.id).options(*options)
                                  .order_by(Issue.created_at, Issue.id)).unique().all()
    return parent, list(children)


def neighbours(actor: User, issue: Issue, *, brief: bool = False) -> tuple[Issue | None, list[Issue], list]:
    """The issue's parent, its direct sub-issues (oldest first) and its relations read from its side
    (oldest first, as RelationViews), only issues the actor may see, in one statement: the links
    (a union of the parent, children and relation rows) joined to the issues they name. `brief`
    loads only what a page shows of them (identifier, title, status)."""
    from .relations import RelationView
    me = issue.id
    # The relation rows first: their columns give the union its types.
    links = union_all(
        select(case((IssueRelation.source_id == me, IssueRelation.target_id), else_=IssueRelation.source_id)
               .label("other_id"), literal("relation").label("kind"), IssueRelation.id.label("relation_id"),
               IssueRelation.type.label("type"), (IssueRelation.source_id == me).label("from_source"),
               IssueRelation.created_at.label("linked_at"))
        .where(or_(IssueRelation.source_id == me, IssueRelation.target_id == me)),
        select(IssueParent.parent_id, literal("parent"), null(), null(), null(), null())
        .where(IssueParent.issue_id == me),
        select(IssueParent.issue_id, literal("child"), null(), null(), null(), null())
        .where(IssueParent.parent_id == me),
    ).subquery("links")
    stmt = (access.visible_issues(actor).join(links, links.c.other_id == Issue.id).where(Issue.id != me)
            .add_columns(links.c.kind, links.c.relation_id, links.c.type, links.c.from_source, links.c.linked_at)
            .order_by(links.c.kind, links.c.linked_at, links.c.relation_id, Issue.created_at, Issue.id))
    if brief:
        stmt = stmt.options(*brief_columns())
    parent, children, relations = None, [], []
    for other, kind, relation_id, type_, from_source, linked_at in db.session.execute(prepared(stmt)).unique():
        if kind == "parent":
            parent = other
        elif kind == "child":
            children.append(other)
        else:
            relations.append(RelationView(relation_id, type_ if from_source else RELATION_INVERSE[type_],
                                          other, linked_at))
    return parent, children, relations


def children_of(parent_id):
    """A select of an issue's direct sub-issues (brief: identifier, title, status), oldest first,
    without an access check: for live delivery, which checks each receiver (sub-issues are in
    their parent's team)."""
    return (select(Issue).join(IssueParent, IssueParent.issue_id == Issue.id).options(*brief_columns())
            .where(IssueParent.parent_id == parent_id).order_by(Issue.created_at, Issue.id))
